package isolate

import (
	"math/rand/v2"
	"testing"
)

// scan's dense-group shortcut (slotGroup.all) must find what a slot-by-slot
// search finds: the first active slot at or after the cursor whose state
// lacks the needed bits, other than the requester's, and leave the cursor
// there (unchanged when there is none). Tables of random size, with members
// that left, random states and watched flags, a requester or none, and a
// random cursor.
func TestScanFindsFirstBlocker(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for iter := range 2000 {
		iso := &Isolator{DisableLeakCheck: true}
		ms := make([]Member, 1+rng.IntN(200))
		for i := range ms {
			ms[i] = iso.Join()
		}
		for i, m := range ms {
			if rng.IntN(4) == 0 {
				m.Leave()
				ms[i] = Member{}
				continue
			}
			// Mostly idle, so that whole groups pass the shortcut.
			st := modeIdle
			switch r := rng.IntN(100); {
			case r < 2:
				st = modeRunning
			case r < 10:
				st = modeHarmless
			}
			word := uint32(st)
			if rng.IntN(10) == 0 {
				word |= wordWatched
			}
			m.mb.word.v.Store(word)
		}
		var req request
		if k := rng.IntN(len(ms)); ms[k] != (Member{}) && rng.IntN(2) == 0 {
			req.member = ms[k].mb
		}
		need := modeHarmless
		if rng.IntN(2) == 0 {
			need = modeIdle
		}

		from := rng.IntN(len(iso.table.Load().groups) * groupSize)
		var want *slot
		for _, m := range ms {
			if m != (Member{}) && m.mb.slot.index >= from && m.mb != req.member &&
				m.mb.word.load().blocks(need) &&
				(want == nil || m.mb.slot.index < want.index) {
				want = m.mb.slot
			}
		}
		cursor := from
		w := iso.scan(&cursor, &req, need)
		got, seen := w.slot, w.seen
		wantCursor := from
		if want != nil {
			wantCursor = want.index
		}
		if got != want || cursor != wantCursor || (got != nil && seen != got.word.load()) {
			t.Fatalf("iteration %d (%d slots, from %d, need %d): scan found %v (cursor %d), want %v (cursor %d)",
				iter, len(ms), from, need, got, cursor, want, wantCursor)
		}
	}
}
