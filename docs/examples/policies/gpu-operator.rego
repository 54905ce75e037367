# Required GPU Operator: the cluster must run the gpu-operator Helm release (K8s.helm) at
# min_operator or newer, and the recipe must deploy it too.
package aicr.examples.gpuoperator

min_operator := "25.3.0"

reading(type, subtype, key) := v if {
	some m in input.snapshot.measurements
	m.type == type
	some s in m.subtypes
	s.subtype == subtype
	v := s.data[key]
}

# "v25.10.1" -> "25.10.1"
semver_of(v) := trim_prefix(sprintf("%v", [v]), "v")

deny contains msg if {
	not reading("K8s", "helm", "gpu-operator.version")
	msg := "the GPU Operator is not installed (no gpu-operator Helm release in the snapshot)"
}

deny contains msg if {
	version := reading("K8s", "helm", "gpu-operator.version")
	semver.is_valid(semver_of(version))
	semver.compare(semver_of(version), min_operator) < 0
	msg := sprintf("GPU Operator %v is older than the required %v", [version, min_operator])
}

deny contains msg if {
	names := {c.name | some c in input.recipe.componentRefs}
	not "gpu-operator" in names
	msg := "the recipe does not deploy gpu-operator"
}
