# Minimum NVIDIA driver version: deny a snapshot whose GPU driver (GPU.smi.driver) is older than
# min_driver, or that has no driver reading at all.
#   aicr validate -r recipe.yaml -s snapshot.yaml --policy docs/examples/policies/driver-version.rego
package aicr.examples.driver

min_driver := "570.86.0"

# The reading TYPE.SUBTYPE.KEY of the snapshot (undefined when absent).
reading(type, subtype, key) := v if {
	some m in input.snapshot.measurements
	m.type == type
	some s in m.subtypes
	s.subtype == subtype
	v := s.data[key]
}

# "570.86.15" -> [570, 86, 15]; anything after the numbers (suffixes) is ignored.
parts(v) := [to_number(p) | some p in regex.find_n(`[0-9]+`, sprintf("%v", [v]), 3)]

deny contains msg if {
	not reading("GPU", "smi", "driver")
	msg := "no GPU driver reading in the snapshot (GPU.smi.driver): capture it on a GPU node"
}

deny contains msg if {
	driver := reading("GPU", "smi", "driver")
	parts(driver) < parts(min_driver)
	msg := sprintf("GPU driver %v is older than the required minimum %v", [driver, min_driver])
}
