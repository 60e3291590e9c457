module github.com/isolatekit/isolate

go 1.24
