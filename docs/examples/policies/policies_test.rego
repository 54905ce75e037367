# Unit tests of the example policies: opa test docs/examples/policies
# (`aicr validate --policy DIR` leaves *_test.rego files out).
package aicr.examples_test

snap(driver, kernel, os_id, os_version, operator) := {"measurements": [
	{"type": "GPU", "subtypes": [{"subtype": "smi", "data": {"driver": driver}}]},
	{"type": "OS", "subtypes": [
		{"subtype": "sysctl", "data": {"/proc/sys/kernel/osrelease": kernel}},
		{"subtype": "release", "data": {"ID": os_id, "VERSION_ID": os_version}},
	]},
	{"type": "K8s", "subtypes": [{"subtype": "helm", "data": {"gpu-operator.version": operator}}]},
]}

good := snap("570.86.15", "6.8.0-1015-aws", "ubuntu", "24.04", "v25.10.1")

old := snap("535.104.05", "5.15.0-105-generic", "centos", "7", "v24.9.2")

recipe := {"criteria": {"os": "ubuntu"}, "componentRefs": [{"name": "gpu-operator"}]}

test_good_node_passes if {
	count(data.aicr.examples.driver.deny) == 0 with input as {"snapshot": good, "recipe": recipe}
	count(data.aicr.examples.kernel.deny) == 0 with input as {"snapshot": good, "recipe": recipe}
	count(data.aicr.examples.kernel.violation) == 0 with input as {"snapshot": good, "recipe": recipe}
	count(data.aicr.examples.gpuoperator.deny) == 0 with input as {"snapshot": good, "recipe": recipe}
	count(data.aicr.examples.os.deny) == 0 with input as {"snapshot": good, "recipe": recipe}
}

test_old_node_denied if {
	data.aicr.examples.driver.deny == {"GPU driver 535.104.05 is older than the required minimum 570.86.0"} with input as {"snapshot": old, "recipe": recipe}
	data.aicr.examples.kernel.deny == {"kernel 5.15.0-105-generic is older than the required minimum 6.8"} with input as {"snapshot": old, "recipe": recipe}
	data.aicr.examples.gpuoperator.deny == {"GPU Operator v24.9.2 is older than the required 25.3.0"} with input as {"snapshot": old, "recipe": recipe}
	data.aicr.examples.os.deny == {"operating system centos 7 is not allowed on GPU nodes"} with input as {"snapshot": old, "recipe": recipe}
}

test_missing_readings if {
	data.aicr.examples.driver.deny == {"no GPU driver reading in the snapshot (GPU.smi.driver): capture it on a GPU node"} with input as {"snapshot": {"measurements": []}, "recipe": {}}
	count(data.aicr.examples.kernel.violation) == 1 with input as {"snapshot": {"measurements": []}, "recipe": {}}
}
