//go:build race

package isolate

// raceEnabled is set when the race detector is built in.
const raceEnabled = true
