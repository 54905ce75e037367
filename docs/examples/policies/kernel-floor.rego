# Kernel floor: deny a node whose kernel (OS.sysctl./proc/sys/kernel/osrelease, e.g. 6.8.0-1015-aws)
# is older than min_kernel.
package aicr.examples.kernel

min_kernel := "6.8"

reading(type, subtype, key) := v if {
	some m in input.snapshot.measurements
	m.type == type
	some s in m.subtypes
	s.subtype == subtype
	v := s.data[key]
}

# "6.8.0-1015-aws" -> [6, 8, 0] (missing parts count as 0: "6.8" -> [6, 8, 0]).
parts(v) := [n | some i in numbers.range(0, 2); n := padded(v, i)]

padded(v, i) := to_number(regex.find_n(`[0-9]+`, sprintf("%v", [v]), 3)[i])

padded(v, i) := 0 if count(regex.find_n(`[0-9]+`, sprintf("%v", [v]), 3)) <= i

deny contains msg if {
	kernel := reading("OS", "sysctl", "/proc/sys/kernel/osrelease")
	parts(kernel) < parts(min_kernel)
	msg := sprintf("kernel %v is older than the required minimum %v", [kernel, min_kernel])
}

violation contains {"msg": msg, "reading": "OS.sysctl./proc/sys/kernel/osrelease"} if {
	not reading("OS", "sysctl", "/proc/sys/kernel/osrelease")
	msg := "no kernel version in the snapshot: capture it with the os collector (aicr snapshot --filter os)"
}
