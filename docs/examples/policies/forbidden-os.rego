# Forbidden operating systems: deny nodes running an OS (OS.release.ID, VERSION_ID) on the list, and
# recipes built for one (criteria.os).
package aicr.examples.os

# os-release ID -> forbidden VERSION_IDs ("*" = every version).
forbidden := {
	"centos": {"*"},
	"ubuntu": {"20.04", "18.04"},
}

reading(type, subtype, key) := v if {
	some m in input.snapshot.measurements
	m.type == type
	some s in m.subtypes
	s.subtype == subtype
	v := s.data[key]
}

default version_id := ""

version_id := reading("OS", "release", "VERSION_ID")

blocked(id, _) if "*" in forbidden[id]

blocked(id, version) if version in forbidden[id]

deny contains msg if {
	id := reading("OS", "release", "ID")
	version := version_id
	blocked(id, version)
	msg := sprintf("operating system %v %v is not allowed on GPU nodes", [id, version])
}

deny contains msg if {
	input.recipe.criteria.os in object.keys(forbidden)
	"*" in forbidden[input.recipe.criteria.os]
	msg := sprintf("the recipe targets %v, which is not allowed", [input.recipe.criteria.os])
}
