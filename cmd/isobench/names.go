package main

// Workloads and implementations are listed in the order they run and
// print, and chosen on the command line by name.

// identified is a workload or an implementation.
type identified interface{ id() string }

// names returns the names of list, in order.
func names[T identified](list []T) []string {
	var ns []string
	for _, x := range list {
		ns = append(ns, x.id())
	}
	return ns
}

// named returns the element of list called name; the command line has
// checked the name.
func named[T identified](list []T, name string) T {
	for _, x := range list {
		if x.id() == name {
			return x
		}
	}
	panic("isobench: unknown name " + name)
}
