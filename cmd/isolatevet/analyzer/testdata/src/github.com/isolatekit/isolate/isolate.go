// Package isolate is a stub of github.com/isolatekit/isolate for the
// analyzer's tests: the API's signatures, with bodies that do nothing.
package isolate

import "context"

type Isolator struct{}

type Member struct{ iso *Isolator }

type Scope struct{ end func() }

func (sc Scope) End() {}

func (iso *Isolator) Join() Member                     { return Member{iso} }
func (iso *Isolator) JoinNamed(name string) Member     { return Member{iso} }
func (iso *Isolator) JoinIdle() Member                 { return Member{iso} }
func (iso *Isolator) JoinIdleNamed(name string) Member { return Member{iso} }

func (iso *Isolator) Isolate() func()                                        { return func() {} }
func (iso *Isolator) IsolateContext(ctx context.Context) (func(), error)     { return func() {}, nil }
func (iso *Isolator) IsolateFull() func()                                    { return func() {} }
func (iso *Isolator) IsolateFullContext(ctx context.Context) (func(), error) { return func() {}, nil }
func (iso *Isolator) TryIsolate() (func(), bool)                             { return func() {}, true }
func (iso *Isolator) Do(f func())                                            { f() }
func (iso *Isolator) Synchronize()                                           {}
func (iso *Isolator) SynchronizeContext(ctx context.Context) error           { return nil }
func (iso *Isolator) Defer(f func())                                         {}
func (iso *Isolator) Barrier()                                               {}

func (m Member) Leave()                                                 {}
func (m Member) Poll()                                                  {}
func (m Member) Isolated() bool                                         { return false }
func (m Member) Harmless() Scope                                        { return Scope{} }
func (m Member) Idle() Scope                                            { return Scope{} }
func (m Member) Busy() Scope                                            { return Scope{} }
func (m Member) Do(f func())                                            { f() }
func (m Member) Isolate() func()                                        { return func() {} }
func (m Member) IsolateFull() func()                                    { return func() {} }
func (m Member) IsolateContext(ctx context.Context) (func(), error)     { return func() {}, nil }
func (m Member) IsolateFullContext(ctx context.Context) (func(), error) { return func() {}, nil }
func (m Member) TryIsolate() (func(), bool)                             { return func() {}, true }
func (m Member) IsolateScope() Scope                                    { return Scope{} }
