module github.com/isolatekit/isolate/examples

go 1.25.0

require (
	github.com/isolatekit/isolate v0.0.0-00010101000000-000000000000
	go.uber.org/goleak v1.3.0
)

require golang.org/x/sys v0.40.0 // indirect

replace github.com/isolatekit/isolate => ..
