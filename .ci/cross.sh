#!/usr/bin/env bash
# Cross-platform checks for isolate, run from anywhere as `bash .ci/cross.sh`:
#
#  1. go build ./... for every port below;
#  2. go vet for the assembly ports: ./arch (asmdecl checks the frames of
#     the assembly functions) on amd64 and arm64, and ./... on arm64,
#     which also type-checks every test file for arm64;
#  3. the test suite for linux/arm64, run on this machine under
#     qemu-aarch64-static (installed with apt-get if missing).
#
# Vetting every port would compile the test dependencies (testify pulls in
# net/http) once per port, about 50 s each on a cold build cache; a build
# of the packages themselves takes a few seconds.
#
# One line per step with its time; the total at the end. A failed step does
# not stop the others; the script exits non-zero if any failed.
set -euo pipefail
cd "$(dirname "$0")/.."

targets=(
	linux/amd64 linux/arm64 linux/386 linux/arm linux/riscv64
	linux/ppc64le linux/s390x linux/loong64
	darwin/arm64 windows/amd64 js/wasm
)

start_all=$SECONDS
failed=()

# timed LABEL CMD...: run CMD, then print LABEL and how long it took.
timed() {
	local label=$1 t0=$SECONDS status=ok
	shift
	if ! "$@"; then
		status=FAIL
		failed+=("$label")
	fi
	printf '%-5s %-48s %3d s\n' "$status" "$label" $((SECONDS - t0))
}

# on GOOS/GOARCH CMD...: run CMD for that port, without cgo.
on() {
	local goos=${1%/*} goarch=${1#*/}
	shift
	env CGO_ENABLED=0 GOOS="$goos" GOARCH="$goarch" "$@"
}

for target in "${targets[@]}"; do
	timed "go build ./... $target" on "$target" go build ./...
done
timed "go vet ./arch linux/amd64" on linux/amd64 go vet ./arch
timed "go vet ./arch linux/arm64" on linux/arm64 go vet ./arch
timed "go vet ./... linux/arm64" on linux/arm64 go vet ./...

install_qemu() {
	if ! command -v qemu-aarch64-static >/dev/null; then
		apt-get update -qq &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-user-static >/dev/null
	fi
	command -v qemu-aarch64-static >/dev/null
}
timed "qemu-aarch64-static available" install_qemu

timed "go test -short ./... linux/arm64 (qemu)" \
	on linux/arm64 go test -count=1 -exec qemu-aarch64-static -short ./...

if ((${#failed[@]})); then
	echo "cross.sh: ${#failed[@]} step(s) failed in $((SECONDS - start_all)) s:"
	printf '  %s\n' "${failed[@]}"
	exit 1
fi
echo "cross.sh: all passed in $((SECONDS - start_all)) s"
