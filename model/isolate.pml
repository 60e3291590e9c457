/*
 * isolate.pml: a Promela model of the isolate package's protocol, as the Go
 * code implements it.  README.md beside this file maps each step to the Go
 * function and line it models; check.sh runs every check.
 *
 * Goroutines (one proctype G, one instance each, so that schedule exists
 * once)
 *   B  member in slot 0: Join; then Harmless and Idle scopes, IsolateFull or
 *      IsolateFullContext from running or from an Idle scope, Leave (from
 *      running or inside a Harmless scope) and Join again, or Idle for
 *      good.
 *   A  member in slot 1: Join; then Harmless and Idle scopes, Isolate or
 *      IsolateContext from running or from a Harmless or Idle scope (with a
 *      Harmless scope inside its own section when it asked from running),
 *      or Idle for good.
 *   C  (-DTHREE only) member in slot 2: Join; then Harmless and Idle scopes,
 *      or Idle for good.  A third slot is what lets the two scans stop at
 *      two different blockers with wider cursors (see WITNESS_FW).  With
 *      C, only B makes ...Context requests (see CTX_OK).
 *   O  outsider: Isolator.Isolate, IsolateContext, IsolateFull,
 *      IsolateFullContext or TryIsolate, or it stops.
 * Every request is first tried at once (grantAtOnce: nothing in progress
 * or requested, or only a dormant plain queue: the barge), and else
 * queued; TryIsolate then gives up instead.  Barging (barge.go, 8b5661b):
 * a release may make the plain queue dormant (goDormant: the gate counts
 * none of it, its head's watch is dropped, schedule ignores it) and wake
 * its head with retry set; a release while dormant may make it active
 * again; the head asks again (askAgain: activate, schedule), or gives up
 * if its ctx ended; every request that queues activates (enqueue, which
 * also clears a retry left by an earlier wait); a withdrawn dormant head
 * passes its wake on, or activates (passRetry); activate rescans; held
 * members are let go only while no request is queued, a dormant one
 * included.  The time bound is a free choice at each release (and in
 * passRetry), the retry bound MAX_RETRIES (1; Go's maxRetries is 4).
 * A ...Context request may be abandoned at any moment of its wait
 * (including as its grant lands: the grant is then rolled back).
 * IsolateFull is never asked from a Harmless scope: the Go code panics
 * there, as the member may hold references (mutant FULL_IN_HARMLESS).
 *
 * Granularity.  Every Go atomic operation that another goroutine may race
 * with without holding Isolator.mu is a step of its own: the members' Swaps
 * of their state words, the scan's load of the occupied mask and of each
 * state word, the watch CompareAndSwap, the unwatch load and
 * CompareAndSwap, every write of the gate (members load it without mu),
 * Join's claim of its slot (the occupied mask's CompareAndSwap) and
 * Leave's occupied.And, the waiters' loads of done and receives.  What runs under mu and is only read under mu (owner, queues,
 * watch records, held list, cursors, the state word of a member that is
 * parked or is the one holding mu, loads of the gate, which only changes
 * under mu) is merged into a neighbouring step, as are lock acquisition
 * (a right mover) and release (a left mover).  A signal's phase.Swap(done)
 * and its token (Go: its send on ch, if the waiter parked) are one step: only
 * the waiter reads them, and its next arm is under mu, after the signal.
 * Spinning only loads done more often (not modelled).  Left out: TryIsolate
 * of a member (the outsider's with its own slot skipped), Poll (a Harmless
 * scope with a gate pre-check), stall reports, leak detection, the slot
 * table's growth and shrinking, nested isolations.
 *
 * Properties
 *   - assertions: mutual exclusion (ENTER_CS, RUNS: no member runs its own
 *     code while a section runs, at most one section, no member that holds
 *     references during a full section); at every release of mu: HELD_OK
 *     (a held member is still held back by the gate: nobody waits for
 *     nothing), GATE_OK (the gate's counts are the queues' lengths, its
 *     granted bit is set exactly when there is an owner) and WATCH_OK
 *     (every watched flag is one that a watch record names, and a record
 *     names its queue's head: flags do not outlive their requests) and
 *     HELD_IDLE_OK (a member held while a full isolation is in progress is
 *     idle: a grace period in the full section need not wait for it) and
 *     B1_OK (a dormant plain queue is not empty, the full queue is, the
 *     gate counts no plain request, the head's retry is set and it was
 *     signalled, the scan cursors are 0); at each let-go: LETGO_BOUND_OK
 *     (P4: a scope end is let go at most MAX_LETGO times, on a ghost
 *     count); at a request's wake with retry clear: it is the owner
 *     (B1: every other wake sets retry); at a
 *     member's Swap outside mu (admitOrHold's Swap back before mu among
 *     them) and at admitOrHold's Swap back under mu: WAKE_OK (a member
 *     whose change unblocks a head that watches it finds the flag, or
 *     schedules anyway: no lost wake-up); at Join: a slot that is not
 *     occupied holds idle without the flag;
 *   - invalid end states: deadlock (members idle for good and a stopped
 *     outsider are valid end states);
 *   - LTL progress claims at the end of this file (-DLTL; pan -a -f -N).
 *
 * Mutants (-D...), each must fail:
 *   RELEASE_BUG      the releaser stays marked harmless while it runs on
 *                    (the seed's thread_release, HAProxy a9c0252b2)
 *   STALE_SCAN       grants trust a stale scan: the scan cursors are not
 *                    reset when the queue head changes (cf. HAProxy
 *                    8fc707390: the winner must re-check after a release)
 *   ABANDON_NO_WAKE  withdrawLocked does not run schedule: members held by
 *                    the abandoned request are not admitted
 *   LOST_WAKEUP      watch sets the flag with Or, not a CompareAndSwap
 *                    against the state the scan saw
 *   NO_KICK          a member that finds its word watched does not kick
 *   NO_DEKKER        a member ending a scope does not load the gate
 *   STRICT_FULL      a plain request never passes a pending full one
 *   FULL_NO_HOLD     pending full requests hold back neither Idle ends nor
 *                    Joins (only a grant or a plain request does)
 *   FULL_PASSES_OLDER an eligible full request passes older plain requests
 *                    (the rule before the model found that a member
 *                    isolating full back to back starves them: plainO;
 *                    from an Idle scope it starves A: plainA)
 *   FULL_IN_HARMLESS IsolateFull is allowed in a Harmless scope and waits
 *                    in idle, as before issue 10: a member holding
 *                    references counts as idle
 *   NO_UNWATCH       a withdrawn request leaves its watched flag set (the
 *                    flags' behaviour before issue 10)
 *   GATE_COUNT       a grant sets the granted bit but leaves the request's
 *                    count in the gate
 *   CLEAR_OTHER      clearing a flag ignores the other queue's record:
 *                    a flag the other head still waits on is dropped
 *   WITHDRAW_HARMLESS a member withdrawn while someone else's isolation is
 *                    in progress is held harmless (before 5fba120): a full
 *                    isolation in progress sees it not idle (HELD_IDLE_OK)
 *   BACK_NO_KICK     admitOrHold's Swap back before mu ignores a watched
 *                    flag it takes: nobody schedules for the head that
 *                    the member no longer blocks
 *   BACK_RUNS        a member that went back runs on under mu without
 *                    loading the gate again: it runs in a section
 *   BACK_STALE_HOLD  a member that went back is held on the strength of
 *                    its load before mu: held though the gate let go
 *                    (HELD_OK)
 *   LETGO_ALWAYS     every hold of a scope end may let the member go (no
 *                    bound): an outsider isolating back to back keeps it
 *                    from running (scopeA; LETGO_BOUND_OK too)
 *   LETGO_RUNS       a member let go runs on without its retry's Swap and
 *                    gate load: it runs with its word harmless or idle
 *   LETGO_NO_WAKE    the admission that lets a member go does not wake it
 *   LETGO_WITHDRAWN  the hold of a withdrawn request lets the member go:
 *                    its wait runs on with the word it waited in
 *   LETGO_UNCOUNTED  resumeSlow never counts a let-go (letGos++ dropped):
 *                    no bound, as LETGO_ALWAYS (scopeA; LETGO_BOUND_OK)
 *   LETGO_RESET      the count is reset at every hold decision (the
 *                    once-only strike's reset kept): every retry's hold
 *                    lets go again (scopeA; LETGO_BOUND_OK)
 *   LETGO_LE         the bound compared with <=: the hold after MAX_LETGO
 *                    let-gos lets the member go once more, and the next
 *                    is hard (LETGO_BOUND_OK; every claim passes: the
 *                    bound is still finite)
 *   BARGE_NO_WAKE    goDormant does not signal the head: nobody asks
 *                    again (B1; without it, a deadlock)
 *   BARGE_NO_PASS    a withdrawn dormant head does not wake the new head
 *                    (B1; without it, a deadlock)
 *   BARGE_ASK_NO_ACTIVATE askAgain schedules without making the queue
 *                    active: its head is never granted (B1; a deadlock)
 *   BARGE_UNBOUNDED  no retry bound: B isolates full back to back from
 *                    an Idle scope, barging in at once after each of its
 *                    releases made A's plain request dormant again; A
 *                    asks again during B's next section, and starves
 *                    (plainA)
 *   BARGE_SCHED      schedule grants the dormant queue's head: the
 *                    gate, which counts no dormant request, loses the
 *                    grant's count (GATE_OK: the plain count wraps)
 *   BARGE_WITHDRAW_COUNT a withdrawn plain request of a dormant queue is
 *                    taken out of the gate, which does not count it
 *                    (GATE_OK)
 *   Not caught (kept, not in check.sh; model/README.md says why):
 *   BARGE_LETGO      held members are let go at a release that leaves the
 *                    plain queue dormant (the code before 7ae2ec2)
 *   BARGE_NO_REACTIVATE a release while dormant never activates
 *   BARGE_PASS_UNBOUNDED passRetry always wakes the new head, uncounted
 *   BARGE_NO_RESCAN  activate leaves the scan cursors (B1_OK's cursor
 *                    clause holds without it: they are 0 all along)
 *   BARGE_STALE_RETRY enqueue keeps a retry left by an earlier wait
 *   BARGE_ASK_ENDED  a head woken to ask again asks even if its ctx ended
 *   (NO_UNWATCH and CLEAR_OTHER bracket the clearing rule: clear too
 *   little and flags outlive their requests, too much and a head waits
 *   for a kick that never comes.)
 *
 * Grace periods (-DGRACE, two members): the outsider S (proctype S)
 * replaces O; it publishes a version and calls Synchronize or (safety
 * runs) SynchronizeContext, over and over.  The words carry the awaited
 * flag AW; the count is a bit per slot (mv: moved since S's snapshot).
 * With three members or O besides S the state space is too large.
 * Only B makes ...Context requests (safety), none under -DLTL.
 * Properties: SYNC_OK (at Synchronize's return no member holds a
 * reference it took before the version was published), BRIEF_OK (S never
 * concludes "not idle since" for a word that was idle since its snapshot:
 * a brief idle state is not missed), NOHOLD_OK (a member is held only
 * while an isolation is granted or requested), stateWord.set never moves
 * a word into idle (P7), a free slot holds idle without AW (T1), no
 * invalid end state (S parked for ever), and the claim grace (S returns if
 * the members are idle infinitely often).
 * Mutants (-DGRACE -D...):
 *   IDLE_NOW_ONLY    idleSince ignores the count: brief idle states missed
 *   SYNC_GATE        S publishes a pending full request in the gate while
 *                    it waits (a grace period built on IsolateFull)
 *   NO_CARRY         passAwaited does not Or the flag back
 *   ARM_AFTER_LOAD   S arms its waiter after the load and the CAS
 *   SNAP_RUNNING     the snapshot waits only for running members
 *   PUBLISH_NO_COUNT publish (a full request, the swap back on ending an
 *                    Idle scope, the release of a section asked from idle)
 *                    does not count its idle entry
 *   IDLE_SECTION     a section asked from an idle scope runs with the word
 *                    idle (before 48508c1): a grace period misses it
 *   AWAITED_NO_GATE  an awaited member's scope end runs on after the Or
 *                    without loading the gate again (7d4353f loads it)
 *   BACK_NO_COUNT    admitOrHold's Swap back to idle before mu does not
 *                    count its idle entry: a grace period that recorded
 *                    the word running misses it (BRIEF_OK)
 */

#define B 0
#define A 1
#ifdef THREE
#ifdef LTL
#error "THREE is a safety setup: the LTL claims run with two members"
#endif
#define C 2
#define O 3
#define NONE 4
#define NM 3                /* member slots */
#else
#define O 2
#define NONE 3
#define NM 2
#endif
#define NP (O + 1)          /* goroutines: members and the outsider */

/* slot state words (word.go: modeRunning ...) */
#define RUN 0
#define HARMLESS 1
#define IDLE 3
#define W 4
#define AW 8                /* wordAwaited (grace periods) */

byte st[NM] = IDLE;         /* slot state words: idle while not occupied (grow) */
bool act[NM];               /* group.occupied bits */

/* ---- grace periods (-DGRACE): the synchronizer S and its ghosts ----
 * The count bits of a word (P7, isolator.go) matter only through
 * stateBits.idleSince's compare with the snapshot (word.go; G1), and the model
 * has one grace period at a time: so per slot one bit, mv, says whether
 * the count has moved since S's snapshot loaded the word (an unbounded
 * counter compared with that snapshot; see README, "Grace periods").
 * Every move of the member into idle that the Go code counts (COUNT) sets
 * it while S waits for that slot (gp). */
#ifdef GRACE
#ifdef THREE
#error "GRACE is a two-member setup"
#endif
bool gp[NM];                /* S's snapshot recorded the slot, S still waits for it */
bool mv[NM];                /* the count moved since the snapshot's load */
bool ie[NM];                /* ghost: the word moved into idle since then */
bool old[NM];               /* ghost: the member holds a reference to a
                             * version older than the one S published */
bool gReg, gDone;           /* S is in graceDomain.waiters; its done flag */
bool syn;                   /* S is in Synchronize[Context] */
bool scx;                   /* ... in SynchronizeContext: may give up */
#ifdef SYNC_GATE
bool sh;                    /* the mutant's pending full request in the gate */
#define SH sh
#else
#define SH 0
#endif
/* the member's count moves: an idle entry (word.go idleCount.next) */
#define COUNT(m) mv[m] = (mv[m] || gp[m])
/* ghost: the word of m moves from another state into idle */
#define GHOST_IDLE(m) ie[m] = (ie[m] || gp[m])
/* the member drops its references (it moves into idle, or leaves) */
#define DROP(m) injob[m] = false; old[m] = false
/* graceDomain.wakeAll: signal every registered waiter (under its mu) */
#define GKICK gDone = (gDone || gReg)
/* passAwaited(st) after the member's Swap to st took the awaited flag:
 * idle: kick; else: the hand-on (handOn, one step under graceDomain.mu):
 * Or the flag back if S watches the member (NO_CARRY: never;
 * CARRY_UNWATCHED: always, the Or without the lock before issue 17).
 * NOTRACE_OK: no word carries the flag while no grace period waits. */
byte wm = NONE;             /* w.watching: the slot S watches (graceDomain.mu) */
#define NOTRACE_OK(m) assert(gReg || !(st[m] & AW))
#ifdef NO_CARRY
#define PASS_AW(m, v) if :: (v) == IDLE -> GKICK :: else fi
#elif defined(CARRY_UNWATCHED)
#define PASS_AW(m, v) if :: (v) == IDLE -> GKICK :: else -> st[m] = st[m] | AW fi; NOTRACE_OK(m)
#else
#define PASS_AW(m, v) if \
	:: (v) == IDLE -> GKICK \
	:: (v) != IDLE && wm == (m) -> st[m] = st[m] | AW \
	:: else \
	fi; NOTRACE_OK(m)
#endif
/* stateWord.set: the Isolator's write under mu keeps the count and the
 * awaited flag, drops the watched flag, and never moves a word into idle (P7) */
#define SETSTATE(m, v) assert((st[m] & IDLE) == IDLE || (v) != IDLE); st[m] = (st[m] & AW) | (v)
#else
#define COUNT(m) skip
#define GHOST_IDLE(m) skip
#define DROP(m) injob[m] = false
#define SH 0
#define SETSTATE(m, v) st[m] = (v)
#endif

/* the gate word: granted bit, plain count, full count */
bool gG;
byte gP, gF;

/* holds(from, gate): word.go gateBits.holdsBack(from) */
#ifdef FULL_NO_HOLD
#define holds(from) (gG || gP > 0)
#else
#define holds(from) (gG || gP > 0 || ((from) == IDLE && gF > 0))
#endif

/* Isolator.mu and what it guards */
byte mu = NONE;
byte owner = NONE;
byte pq0 = NONE, pq1 = NONE;    /* plainQ, head first */
byte fq0 = NONE, fq1 = NONE;    /* fullQ */
unsigned plainFrom : 2;         /* scan cursors */
unsigned fullFrom : 2;
#ifndef FULL_PASSES_OLDER
bool older[NP*NP];              /* older[x*NP+r]: x queued before r */
#define PLAIN_OLDER (PQH != NONE && older[pq0*NP + fq0])
#else
#define PLAIN_OLDER false
#endif
bool inHeld[NM];                /* iso.held */
byte heldFrom[NM];              /* slot.heldFrom */
bool lg[NM];                    /* slot.letGo: set by a member's first
                                 * hold in a scope end (from harmless or
                                 * idle); read by the member after its
                                 * wake (P4) */
bool rFull[NP];                 /* request.full */
/* barging (barge.go, 8bc6e68): a release may make the plain queue
 * dormant (goDormant): the gate counts none of its requests, schedule
 * ignores it, and a request made meanwhile may be granted at once (the
 * barge); its head, woken with retry set, asks again (askAgain).  The
 * time bound (starveAfter) is a nondeterministic choice at each release;
 * the retry bound is MAX_RETRIES (Go: maxRetries, 4), counted per
 * request from its enqueue. */
#ifndef MAX_RETRIES
#define MAX_RETRIES 1
#endif
bool dorm;                      /* Isolator.dormant */
bool rRetry[NP];                /* request.retry */
byte rTries[NP];                /* request.retries */
/* the plain head as schedule sees it: none while the queue is dormant
 * (BARGE_SCHED: the dormant queue's head too) */
#ifndef BARGE_SCHED
#define PQH (dorm -> NONE : pq0)
#else
#define PQH pq0
#endif
/* quietLocked: no isolation in progress, no request queued but a dormant
 * plain queue's */
#define QUIET (owner == NONE && (pq0 == NONE || dorm) && fq0 == NONE)
byte rMode[NM];                 /* request.prev (members) */
/* watch records: per queue, the slot last watched for its head (NONE if
 * none) and the request it was watched for */
byte wF = NONE, wFr = NONE, wP = NONE, wPr = NONE;
/* schedule's scratch (under mu, cleared when mu is released): blockers
 * and the states seen, the slots still to scan (one bit each), the old
 * records' slots, the slots to unwatch and the state loaded for that */
byte sfb = NONE, sfs, spb = NONE, sps, sr = NONE;
byte sa;
bool sfp;
byte oF = NONE, oP = NONE, cl1 = NONE, cl2 = NONE, cv, cx;
bool cld;

/* waiters: done flag and a one-token channel */
bool rDone[NP], rTok[NP];       /* request.waiter */
bool sDone[NM], sTok[NM];       /* slot.waiter */

/* observation, for the properties */
bool userRun[NM];               /* member runs its own code (shared state) */
bool injob[NM];                 /* member holds shared references: running,
                                 * or harmless (in a Harmless scope, or
                                 * waiting in a plain request asked from
                                 * running or from one) */
bool wants[NP];                 /* a request is pending (until its outcome) */
bool hm[NM];                    /* member waits on its slot (held) */
#ifdef LTL
bool se[NM];                    /* ghost: member ends a scope (from resume's
                                 * Swap until it runs past the gate) */
#define SE_SET(m) se[m] = true
#define SE_CLR(m) se[m] = false
#else
#define SE_SET(m) skip
#define SE_CLR(m) skip
#endif
#ifndef LTL
byte lgn[NM];                   /* ghost: the let-gos of the member's scope
                                 * end, counted where the Isolator lets it
                                 * go (admitOne); 0 again once the scope end
                                 * ends: the member runs past the gate,
                                 * admitOrHold does not hold it, or an
                                 * admission sets it running (safety runs;
                                 * in the model a function of the rest of
                                 * the state: no states added) */
/* P4's bound: a scope end is let go at most MAX_LETGO times (at each
 * let-go, the ones before it) */
#define LETGO_BOUND_OK(m) (lgn[m] < MAX_LETGO)
#define LGN_CLR(m) lgn[m] = 0
#define LGN_LETGO(m) assert(LETGO_BOUND_OK(m)); lgn[m]++
#else
#define LGN_CLR(m) skip
#define LGN_LETGO(m) skip
#endif
bool cxr[NP];                   /* p's request is an ...Context one: it
                                 * may be abandoned at any moment */
byte ncs;                       /* goroutines in an isolated section */

/* return points of sched */
#define R_ENTER 1
#define R_RESUME 2
#define R_AWAIT 3
#define R_RELEASE 4
#define R_ABANDON 5
#define R_LEAVE 6
#define R_TRY 7

/* where the unwatch steps go on (cx) */
#define CX_EXIT 0       /* leave schedule */
#define CX_START 1      /* schedule's loop again */
#define CX_GRANT 2      /* the grant's rest */
#define CX_WITHDRAW 3   /* the withdrawal's rest */

/* Every held member is still held back by the gate whenever mu is
 * released: nobody waits for an isolation that is not there. */
#define HELD1(m) (!inHeld[m] || holds(heldFrom[m]))
/* A member held while a full isolation is in progress is idle (its word):
 * a grace period in the full section must not wait for it, as it waits
 * for the section's end.  (A member is held with heldFrom harmless then
 * only after the withdrawal of a full request: its word stays idle.) */
#define HIDLE(m) (!inHeld[m] || owner == NONE || !rFull[owner] || (st[m] & IDLE) == IDLE)
/* Nobody is held back but by an isolation: a member is held only while
 * an isolation is granted or requested (not for a grace period). */
#define NOHOLD_OK (owner != NONE || pq0 != NONE || fq0 != NONE)
/* The gate says what the queues and the owner say. */
#define QLEN(h, t) ((h != NONE) + (t != NONE))
#define GATE_OK (gP == (dorm -> 0 : QLEN(pq0, pq1)) && gF == QLEN(fq0, fq1) + SH && gG == (owner != NONE))
/* B1 (barge.go): while the plain queue is dormant it is not empty, the
 * full queue is, the gate counts no plain request, and the head's retry is
 * set and it was signalled (its done flag stays set until its askAgain,
 * or its withdrawal, under mu) */
#define B1_OK (!dorm || (pq0 != NONE && fq0 == NONE && gP == 0 && rRetry[pq0] && rDone[pq0] && plainFrom == 0 && fullFrom == 0))
/* Every watched flag is named by a watch record, and a record names its
 * queue's head: the Isolator clears what it no longer needs. */
#define WOK(i) (!(st[i] & W) || wF == i || wP == i)
#define WREC_OK ((wF == NONE || wFr == fq0) && (wP == NONE || wPr == pq0))
#ifdef THREE
#define HELD_OK (HELD1(0) && HELD1(1) && HELD1(2))
#define HELD_IDLE_OK (HIDLE(0) && HIDLE(1) && HIDLE(2))
#define WATCH_OK (WOK(0) && WOK(1) && WOK(2) && WREC_OK)
#else
#define HELD_OK (HELD1(0) && HELD1(1))
#define HELD_IDLE_OK (HIDLE(0) && HIDLE(1))
#define WATCH_OK (WOK(0) && WOK(1) && WREC_OK)
#endif

/* No lost wake-up: a member whose Swap (outside mu) unblocks a queue head
 * that waits for it (its record names the member: schedule found it
 * blocking) finds the watched flag set, so it kicks.  Not while an
 * isolation is granted (its release runs schedule), nor while mu is held
 * by a schedule that will still look at the member: one before or in its
 * scans (a member that changed fails the watch's CompareAndSwap, and the
 * scan runs again), and the clearing steps of a grant, a withdrawal or a
 * failed watch (owner, or a scan, follows).  Only the clearing steps after
 * a successful watch (cx == CX_EXIT) end schedule without looking again.
 * (The Isolator's own Swaps under mu, admissions for instance, drop flags
 * that the schedule after them sets again.) */
#define UNBLOCKS(m, v) ((mu == NONE || (cl1 != NONE && cx == CX_EXIT)) && \
	HEAD_WAITS(m, v))
#define HEAD_WAITS(m, v) (owner == NONE && \
	((wP == m && PQH != NONE && !(st[m] & HARMLESS) && ((v) & HARMLESS)) || \
	 (wF == m && (st[m] & IDLE) != IDLE && (v) == IDLE)))
#define WAKE_OK(m, v) (!UNBLOCKS(m, v) || (st[m] & W))
/* The same for admitOrHold's Swap back to the state the member came from
 * under mu (the gate closed after its load; the Swap back before mu is a
 * Swap outside mu: BACK_SWAP): schedule runs only if a Swap took the flag
 * (watched). */
#define HOLD_WAKE_OK(m, v) (!HEAD_WAITS(m, v) || (st[m] & W) || slow)

/* admitOrHold's swap back before mu (BACK_SWAP, with bk set at the gate
 * load that sends the member there: held then, and not in its own
 * section) and its decision under mu: held if the gate, loaded under mu,
 * still holds it (HOLD_AGAIN).  BACK_RUNS: a member that went back runs on
 * under mu without loading the gate again; BACK_STALE_HOLD: it is held on
 * the strength of the load before mu. */
#ifdef BACK_RUNS
#define HOLD_AGAIN(from) (!bk && holds(from))
#elif defined(BACK_STALE_HOLD)
#define HOLD_AGAIN(from) (bk || holds(from))
#else
#define HOLD_AGAIN(from) holds(from)
#endif

/* admitOrHold's hold records letGo (P4): true while the member was let
 * go fewer than MAX_LETGO times in this scope end (lgs, resumeSlow's
 * letGos), from harmless or idle alike; false once it was let go
 * MAX_LETGO times, so that its next hold is a hard one, admitted running.
 * MAX_LETGO is 2 (Go's maxLetGo is 4): the first hold (lgs 0), a retry's
 * hold that lets go again (0 < lgs < MAX_LETGO) and the hard hold (lgs
 * MAX_LETGO) are the three kinds of hold; a larger bound only repeats the
 * middle one (README.md, "Argued or stress-tested only").  With three
 * members it is 1, the once-only strike (state space: 2 doubles the
 * three-member run).
 * LETGO_ALWAYS: every hold may let the member go (no bound);
 * LETGO_LE: the bound compared with <=, so that the hold after MAX_LETGO
 * let-gos lets the member go once more. */
#ifndef MAX_LETGO
#ifdef THREE
#define MAX_LETGO 1
#else
#define MAX_LETGO 2
#endif
#endif
#ifdef LETGO_ALWAYS
#define LET_GO(from) true
#elif defined(LETGO_LE)
#define LET_GO(from) (lgs <= MAX_LETGO)
#else
#define LET_GO(from) (lgs < MAX_LETGO)
#endif
/* resumeSlow's letGos++ after a let-go (the retry's step).  The count
 * stops at MAX_LETGO + 1, which only mutants reach (LETGO_LE reaches it,
 * and is held hard then), so that the let-gos of a mutant without a bound
 * form a cycle.  LETGO_UNCOUNTED: letGos++ dropped, every hold lets go. */
#ifdef LETGO_UNCOUNTED
#define LGS_INC skip
#else
#define LGS_INC if :: lgs <= MAX_LETGO -> lgs++ :: else fi
#endif
/* The end of a hold decision: the count is kept while the hold let go
 * (lg, the letGo that HOLD recorded); a hard hold, or no hold, ends the
 * scope end's let-gos.  LETGO_RESET resets it at every hold decision (the
 * once-only strike's reset, rt = false before the count, kept): every
 * retry's hold lets go again. */
#ifdef LETGO_RESET
#define LGS_DECIDED lgs = 0
#else
#define LGS_DECIDED if :: !(h && lg[me]) -> lgs = 0 :: else fi
#endif

/* Isolator.mu.  Safety runs use a mutex that anyone may take when it is
 * free: that allows every order of acquisition.  Under -DLTL the mutex is
 * starvation-free, as sync.Mutex is (its starvation mode hands the lock to
 * a waiter): LOCK takes a free mutex or queues the caller (mw), and UNLOCK
 * hands it to the next queued goroutine, round robin.  Without this, weak
 * fairness alone would let one goroutine take mu forever while another's
 * Lock stays blocked, a starvation that sync.Mutex rules out.  Every
 * release of mu checks the invariants above. */
#ifdef LTL
bool mw[NP];
#define HAS_LOCK(me) (mu == me)
#define LOCK(me) atomic { if :: mu == NONE -> mu = me :: else -> mw[me] = true fi };
#define LSCHED lsched
inline UNLOCK(me) {
	assert(HELD_OK); assert(HELD_IDLE_OK); assert(GATE_OK); assert(WATCH_OK); assert(B1_OK);
	if
	:: mw[(me + 1) % NP] -> mw[(me + 1) % NP] = false; mu = (me + 1) % NP
	:: else ->
		if
		:: mw[(me + 2) % NP] -> mw[(me + 2) % NP] = false; mu = (me + 2) % NP
		:: else -> mu = NONE
		fi
	fi
}
#else
#define HAS_LOCK(me) (mu == NONE)
#define LOCK(me)
#define LSCHED sched
#define UNLOCK(me) assert(HELD_OK); assert(HELD_IDLE_OK); assert(GATE_OK); assert(WATCH_OK); assert(B1_OK); mu = NONE
#endif

/* phases of schedule (one step each, see schedLoop) */
#define P_EXIT 0
#define P_START 1
#define P_HEADS 2
#define P_FSCAN 3
#define P_PSCAN 4
#define P_WATCHP 5
#define P_CLR 6
#define P_CONT 7
#define P_ASCAN 8
#define P_AWAIT 9
#define P_PASS 10
#define P_RKICK 11
#define P_REL 12

/* ---- observation: the mutual exclusion assertions ---- */

/* member m runs its own code again, outside any isolated section */
inline RUNS(m) {
	assert(ncs == 0);
	userRun[m] = true; injob[m] = true
}

/* p enters its isolated section: no other section, no other member runs
 * its own code, and for a full section no other member holds references
 * (a member in a Harmless scope, or waiting in a plain request asked from
 * running or from a Harmless scope, does) */
inline ENTER_CS(p) {
	assert(ncs == 0);
	assert(p == A || !userRun[A]);
	assert(p == B || !userRun[B]);
#ifdef THREE
	assert(p == C || !userRun[C]);
#endif
	if
	:: rFull[p] ->
		assert(p == A || !injob[A]); assert(p == B || !injob[B]);
#ifdef THREE
		assert(p == C || !injob[C]);
#endif
	:: else
	fi;
#ifdef GRACE
	/* a member's section may take references (its word says running,
	 * unless it asked from a Harmless scope: it holds some already) */
	if :: p != O && rMode[p] != HARMLESS -> injob[p] = true :: else fi;
#endif
	ncs++
}

/* ---- under mu ---- */

#ifndef FULL_PASSES_OLDER
#ifdef THREE
#define OLDER_CLR(r) older[r*NP+0] = false; older[r*NP+1] = false; older[r*NP+2] = false; older[r*NP+3] = false; \
	older[0*NP+r] = false; older[1*NP+r] = false; older[2*NP+r] = false; older[3*NP+r] = false
#define OLDER_SET(r) older[0*NP+r] = QUEUED(0); older[1*NP+r] = QUEUED(1); older[2*NP+r] = QUEUED(2); older[3*NP+r] = QUEUED(3)
#else
#define OLDER_CLR(r) older[r*NP+0] = false; older[r*NP+1] = false; older[r*NP+2] = false; \
	older[0*NP+r] = false; older[1*NP+r] = false; older[2*NP+r] = false
#define OLDER_SET(r) older[0*NP+r] = QUEUED(0); older[1*NP+r] = QUEUED(1); older[2*NP+r] = QUEUED(2)
#endif
#define QUEUED(x) (pq0 == x || pq1 == x || fq0 == x || fq1 == x)
#endif

/* activate: a dormant plain queue counts in the gate again, and the
 * next scans start from the first slot (rescan: members ran freely
 * meanwhile, P2).  BARGE_NO_RESCAN: the cursors are left as they are. */
#ifndef BARGE_NO_RESCAN
#define ACT_RESCAN plainFrom = 0; fullFrom = 0
#else
#define ACT_RESCAN skip
#endif
#define ACTIVATE if :: dorm -> dorm = false; gP = QLEN(pq0, pq1); ACT_RESCAN :: else fi

/* passRetry: the head of the dormant plain queue left it (only a
 * withdrawal can: schedule grants no dormant head): if the queue is
 * empty, nothing is dormant any more; if the new head has used its
 * retries (MAX_RETRIES) or has waited starveAfter (the time: a free
 * choice), the queue is made active (schedule, after the withdrawal,
 * hands off to it); otherwise the new head's retries is counted, its
 * retry set and it is woken to ask again in the withdrawn head's place.
 * The withdrawn request's retry is left as it is: only its own goroutine
 * clears it (B1: askAgain, enqueue).  BARGE_NO_PASS: the new head is
 * neither woken nor the queue made active.  BARGE_PASS_UNBOUNDED: the
 * new head is always woken, its retries not counted (the code before
 * 7ae2ec2).  WITNESS_PASS: a new head is woken. */
#ifdef BARGE_NO_PASS
#define PASS_WAKE skip
#elif defined(BARGE_PASS_UNBOUNDED)
#define PASS_WAKE rRetry[pq0] = true; rDone[pq0] = true; rTok[pq0] = true
#else
#define PASS_WAKE if \
	:: rTries[pq0] < MAX_RETRIES -> rTries[pq0]++; \
		rRetry[pq0] = true; rDone[pq0] = true; rTok[pq0] = true \
	:: true -> ACTIVATE \
	fi
#endif
#ifdef WITNESS_PASS
#define PASS_WITNESS assert(false)
#else
#define PASS_WITNESS skip
#endif
#define PASS_RETRY(r) \
	if :: pq0 == NONE -> dorm = false :: else -> PASS_WITNESS; PASS_WAKE fi

/* goDormant, at a release (under mu, after the gate's release, before
 * admitHeld): the plain queue becomes dormant if it is not empty and not
 * dormant, no full request is queued, and its head was woken fewer than
 * MAX_RETRIES times and has waited less than starveAfter: the time is
 * left out, so a release may always hand off instead (the second
 * branch).  The gate's plain count drops to 0, the head's retry is set
 * and it is signalled.  BARGE_UNBOUNDED: no retry bound; BARGE_FULL:
 * dormant with a full request queued; BARGE_NO_WAKE: no signal. */
#ifdef BARGE_UNBOUNDED
#define DORM_MAY (pq0 != NONE && !dorm && fq0 == NONE)
#define DORM_COUNT skip
#elif defined(BARGE_FULL)
#define DORM_MAY (pq0 != NONE && !dorm && rTries[pq0] < MAX_RETRIES)
#define DORM_COUNT rTries[pq0]++
#else
#define DORM_MAY (pq0 != NONE && !dorm && fq0 == NONE && rTries[pq0] < MAX_RETRIES)
#define DORM_COUNT rTries[pq0]++
#endif
#ifndef BARGE_NO_WAKE
#define DORM_WAKE rDone[pq0] = true; rTok[pq0] = true
#else
#define DORM_WAKE skip
#endif
/* At a release while the queue is dormant (a barging isolation's), the
 * queue may be made active (Go: once the head has waited starveAfter,
 * looked at every checkEvery such releases: a free choice), so that the
 * next grant is the head's.  BARGE_NO_REACTIVATE: never.  The head's
 * watch is dropped as the queue goes dormant (P6: no scan serves a
 * dormant head): unwatch, whose clearing steps (P_CLR) follow the
 * release (REL_NEXT). */
#ifndef BARGE_NO_REACTIVATE
#define DORM_AGAIN :: dorm -> ACTIVATE
#else
#define DORM_AGAIN
#endif
/* after RELEASE: goDormant's unwatch clears the head's watched slot
 * (P_CLR steps; merged after the admissions, which write only held
 * members' words, and those only under mu), then schedule */
#define REL_NEXT if :: cl1 != NONE -> cx = CX_START; ph = P_CLR :: else -> ph = P_START fi

inline GO_DORMANT() {
	if
	:: DORM_MAY -> dorm = true; gP = 0; UNWATCH_REQ(pq0);
		DORM_COUNT; rRetry[pq0] = true; DORM_WAKE
	DORM_AGAIN
	:: true
	fi
}

/* unqueue: out of its queue and out of the watch records (unwatch; its
 * clearing steps follow: P_CLR), and the next scans start from the
 * first slot (rescan) */
inline unqueue(r) {
#ifndef FULL_PASSES_OLDER
	OLDER_CLR(r);
#endif
	if
	:: rFull[r] ->
		if
		:: fq0 == r -> fq0 = fq1; fq1 = NONE
		:: else -> fq1 = NONE
		fi
	:: else ->
		if
		:: pq0 == r -> pq0 = pq1; pq1 = NONE;
			if :: dorm -> PASS_RETRY(r) :: else fi
		:: else -> pq1 = NONE
		fi
	fi;
	rTries[r] = 0;                   /* dead until the next enqueue */
	UNWATCH_REQ(r);
#ifndef STALE_SCAN
	plainFrom = 0; fullFrom = 0      /* rescan */
#endif
}

/* enqueue clears a retry flag left set by an earlier wait (one that gave
 * up when woken to ask again, or was withdrawn after such a wake while its
 * queue was active).  BARGE_STALE_RETRY: it is kept.  WITNESS_STALE_RETRY:
 * a request queues with its retry set. */
#ifdef WITNESS_STALE_RETRY
#define STALE_WITNESS(r) if :: rRetry[r] -> assert(false) :: else fi
#else
#define STALE_WITNESS(r) skip
#endif
#ifndef BARGE_STALE_RETRY
#define STALE_RETRY(r) STALE_WITNESS(r); rRetry[r] = false
#else
#define STALE_RETRY(r) STALE_WITNESS(r)
#endif
inline enqueue(r) {
#ifndef FULL_PASSES_OLDER
	OLDER_SET(r);                    /* tickets */
#endif
	STALE_RETRY(r);                  /* one left by an earlier wait (B1) */
	ACTIVATE;                        /* B1: no request queues behind a dormant queue */
	if
	:: rFull[r] ->
		if :: fq0 == NONE -> fq0 = r :: else -> fq1 = r fi;
		gF++
	:: else ->
		if :: pq0 == NONE -> pq0 = r :: else -> pq1 = r fi;
		gP++
	fi
}

/* admitHeld with the admission rule cond(m).  While no request is
 * queued (Go evaluates it once per admitHeld; nothing here changes the
 * queues), a member whose hold set letGo is let go: out of the held list
 * and woken, its word (the scope's mode, harmless or idle) unchanged, no
 * rescan; the member publishes running itself (r_resume).  Otherwise
 * letGo is cleared and the member set running.  LETGO_NO_WAKE forgets the
 * wake of a member let go.  WITNESS_LETGO: a member is let go;
 * WITNESS_LETGO_HARMLESS: one held as it ended a Harmless scope;
 * WITNESS_LETGO_TWICE: one let go a second time in one scope end (its
 * retry's hold let it go again).  LETGO_BOUND_OK (safety runs): P4's
 * bound, MAX_LETGO let-gos per scope end, on the ghost count lgn. */
#ifndef BARGE_LETGO
#define LETGO_ADMIT(m) (lg[m] && pq0 == NONE && fq0 == NONE)
#else
#define LETGO_ADMIT(m) (lg[m] && (pq0 == NONE || dorm) && fq0 == NONE)
#endif
#ifndef LETGO_NO_WAKE
#define LETGO_SIGNAL(m) sDone[m] = true; sTok[m] = true
#else
#define LETGO_SIGNAL(m) skip
#endif
inline admitOne(m, cond) {
	if
	:: inHeld[m] && (cond) && LETGO_ADMIT(m) ->
#ifdef WITNESS_LETGO
		assert(false);
#endif
#ifdef WITNESS_LETGO_HARMLESS
		if :: heldFrom[m] == HARMLESS -> assert(false) :: else fi;
#endif
#ifdef WITNESS_LETGO_TWICE
		if :: lgn[m] > 0 -> assert(false) :: else fi;
#endif
		LGN_LETGO(m);
		inHeld[m] = false; heldFrom[m] = 0;
		LETGO_SIGNAL(m)                     /* signal */
	:: inHeld[m] && (cond) && !LETGO_ADMIT(m) ->
		lg[m] = false; LGN_CLR(m);
		SETSTATE(m, RUN); inHeld[m] = false; heldFrom[m] = 0;
		sDone[m] = true; sTok[m] = true;     /* signal */
		plainFrom = 0; fullFrom = 0
	:: else
	fi
}

inline admitAll(c0, c1, c2) {
	admitOne(0, c0);
	admitOne(1, c1);
#ifdef THREE
	admitOne(2, c2);
#endif
}

/* ---- watch records and unwatch ---- */

/* CLEAR_OTHER: a flag is cleared although the other queue's record is on
 * the same slot */
#ifndef CLEAR_OTHER
#define OTHER_OK(o, w) ((o) != (w))
#else
#define OTHER_OK(o, w) true
#endif

/* unwatch(req): if a queue's record is for r (granted or withdrawn),
 * forget the record and clear the flag on its slot (cl1), unless the
 * other queue's record is on the same slot: that head still waits for the
 * member.  NO_UNWATCH forgets the record but leaves the flag. */
inline UNWATCH_REQ(r) {
	cl1 = NONE; cl2 = NONE;
	if
	:: rFull[r] && wFr == r ->
		if :: OTHER_OK(wF, wP) -> cl1 = wF :: else fi;
		wF = NONE; wFr = NONE
	:: !rFull[r] && wPr == r ->
		if :: OTHER_OK(wP, wF) -> cl1 = wP :: else fi;
		wP = NONE; wPr = NONE
	:: else
	fi;
#ifdef NO_UNWATCH
	cl1 = NONE
#endif
}

/* watch(w), first part: the records become the blockers found (sfb for
 * the full head, spb for the plain one; NONE: none), before any flag is
 * set; the old slots are kept in oF, oP */
inline WREC() {
	oF = wF; oP = wP;
	wF = sfb;
	if :: sfb != NONE -> wFr = fq0 :: else -> wFr = NONE fi;
	wP = spb;
	if :: spb != NONE -> wPr = pq0 :: else -> wPr = NONE fi
}

/* watch(w), last part, whether the flags could be set or not: clear the
 * old slots that no new record names, the old plain one first (P_CLR
 * steps).  The flags were set first: a member watched
 * for both queues in turn keeps its flag.  (Go clears a slot that both
 * old records named twice; the second load always finds the flag clear,
 * since only schedule sets it: that load is left out.) */
inline SETTLE() {
	cl1 = NONE; cl2 = NONE;
	if :: oP != NONE && oP != wP && OTHER_OK(oP, wF) -> cl1 = oP :: else fi;
	if
	:: oF != NONE && oF != cl1 && oF != wF && OTHER_OK(oF, wP) ->
		if :: cl1 == NONE -> cl1 = oF :: else -> cl2 = oF fi
	:: else
	fi;
	oF = NONE; oP = NONE
}
/* ... then leave schedule, or look again */
#define SETTLE_EXIT(me) SETTLE(); \
	if :: cl1 != NONE -> cx = CX_EXIT; ph = P_CLR :: else -> EXIT_BODY(me) fi
#define SETTLE_START(me) SETTLE(); \
	if :: cl1 != NONE -> cx = CX_START; ph = P_CLR :: else -> ph = P_START fi

/* after a slot's clearing (P_CLR): the next slot, or go on (cx).  The
 * grant's and the withdrawal's rest write the gate: a step of its own
 * (P_CONT) after the last clearing step. */
inline CLR_NEXT(me) {
	cld = false; cv = 0; cl1 = cl2; cl2 = NONE;
	if
	:: cl1 != NONE
	:: cl1 == NONE && cx == CX_EXIT -> EXIT_BODY(me)
	:: cl1 == NONE && cx == CX_START -> ph = P_START
	:: cl1 == NONE && (cx == CX_GRANT || cx == CX_WITHDRAW) -> ph = P_CONT
	fi
}

/* grant(r): r is sr, the head that the scan found unblocked: unqueue (and
 * its clearing), then GRANTED */
inline GRANT(r) {
	unqueue(r);
	if :: cl1 != NONE -> cx = CX_GRANT; ph = P_CLR :: else -> GRANTED(r) fi
}

/* the state word of member r during its isolated section: request.prev,
 * but running for a section asked from an idle scope (grant, grantAtOnce) */
#ifndef IDLE_SECTION
#define SECTION_STATE(r) (rMode[r] == IDLE -> RUN : rMode[r])
#else
#define SECTION_STATE(r) rMode[r]
#endif

/* grant's rest: owner, gate, the member's state back to request.prev
 * (running if it asked from an idle scope: its section may take references,
 * and a grace period must wait for it; IDLE_SECTION: idle, the code before
 * 48508c1), and the wake-up.  A grant made by the requester's own first
 * schedule (req.asking: ret == R_AWAIT) sends no signal: the requester sees
 * it under mu. */
inline GRANTED(r) {
	owner = r;
	gG = true;
#ifndef GATE_COUNT
	if :: rFull[r] -> gF-- :: else -> gP-- fi;
#endif
	if :: r != O -> SETSTATE(r, SECTION_STATE(r)) :: else fi;
	if
	:: r == me && ret == R_AWAIT
	:: else -> rDone[r] = true; rTok[r] = true     /* signal */
	fi;
	EXIT_BODY(me)
}

/* withdrawLocked's first step, before unqueue: the gate takes the request
 * back, unless it is a plain one of a dormant queue, which the gate does
 * not count (BARGE_WITHDRAW_COUNT: it does, as before 8bc6e68) */
#ifndef BARGE_WITHDRAW_COUNT
#define WITHDRAW_GATE(r) if :: rFull[r] -> gF-- :: !rFull[r] && !dorm -> gP-- :: else fi
#else
#define WITHDRAW_GATE(r) if :: rFull[r] -> gF-- :: else -> gP-- fi
#endif

/* askAgain, under mu: retry cleared; if the request is not the owner,
 * activate and schedule; then as after awaitGrant's first schedule (ret
 * R_AWAIT): granted (sgot), or armed for the next wait.  Its wake's done
 * and token are dead: cleared.  BARGE_ASK_NO_ACTIVATE: it schedules
 * without activating.  WITNESS_ASK_GRANTED: it finds its grant (the queue
 * was made active, by a request that queued, and the head granted while
 * its wake to ask again was on its way). */
#ifndef BARGE_ASK_NO_ACTIVATE
#define ASK_ACTIVATE ACTIVATE
#else
#define ASK_ACTIVATE skip
#endif
inline ASK_AGAIN(me) {
	mu = me; rRetry[me] = false; rDone[me] = false; rTok[me] = false;
	if
	:: owner != me -> ASK_ACTIVATE
	:: else ->
#ifdef WITNESS_ASK_GRANTED
		assert(false);
#endif
		skip
	fi;
	lk = false; ret = R_AWAIT; ph = P_START
}

/* withdrawLocked's rest, after unqueue (and its clearing): the
 * member's state back to request.prev, or, if it asked from running, held
 * while someone else's isolation is in progress: its word stays as it
 * waited (harmless, or idle for a full request: it holds no references),
 * and it is admitted as a member ending a harmless scope; then schedule.
 * WITHDRAW_HARMLESS: the word is set harmless (the code before 5fba120: a
 * full isolation in progress saw a member that was not idle).  The hold
 * never lets the member go (letGo false, request.go:376): its wait
 * (r_abandon) runs on in its mode; LETGO_WITHDRAWN sets it. */
#ifdef LETGO_WITHDRAWN
#define WITHDRAW_LG true
#else
#define WITHDRAW_LG false
#endif
inline WITHDRAWN(me) {
	if
	:: me != O && rMode[me] == RUN && owner != NONE ->
#ifdef WITHDRAW_HARMLESS
		SETSTATE(me, HARMLESS);
#endif
		HOLD(me, HARMLESS, WITHDRAW_LG); h = true
	:: me != O && !(rMode[me] == RUN && owner != NONE) ->
		SETSTATE(me, rMode[me])
	:: else
	fi;
#ifdef ABANDON_NO_WAKE
	EXIT_BODY(me)
#else
	ph = P_START
#endif
}

/* releaseLocked's publish(idle), on the member's own goroutine, for a
 * member that asked from an idle scope: an idle entry (its word says
 * running since the grant), which drops the references its section took;
 * ka: the Swap took the awaited flag (passAwaited(idle): kick, P_RKICK).
 * IDLE_SECTION: the word stayed idle, nothing is published. */
inline REL_PUB(r) {
	if
	:: r != O && rMode[r] == IDLE ->
		DROP(r);
#ifndef IDLE_SECTION
		if
		:: (st[r] & IDLE) != IDLE -> GHOST_IDLE(r);
#ifndef PUBLISH_NO_COUNT
			COUNT(r)
#endif
		:: else
		fi;
		ka = ((st[r] & AW) != 0); st[r] = IDLE
#endif
	:: else
	fi
}

/* releaseLocked: the publish; in the grace setup, S races with it, so the
 * rest (P_RKICK: passAwaited's kick, P_REL: RELEASE) are steps of their
 * own; then schedule (P_START) */
inline REL_BEGIN(r) {
	REL_PUB(r);
#ifdef GRACE
	if
	:: r != O && rMode[r] == IDLE ->
		if :: ka -> ph = P_RKICK :: else -> ph = P_REL fi
	:: else -> RELEASE(r); REL_NEXT
	fi
#else
	RELEASE(r); REL_NEXT
#endif
}

/* releaseLocked's first part: the gate.release and the admissions */
inline RELEASE(r) {
	owner = NONE;
	gG = false; sfp = gF > 0;
	GO_DORMANT();
	admitAll(heldFrom[0] == HARMLESS || rFull[r] || !sfp,
		heldFrom[1] == HARMLESS || rFull[r] || !sfp,
		heldFrom[2] == HARMLESS || rFull[r] || !sfp);
	sfp = false
}

/* hold(s, from, letGo) for member m */
inline HOLD(m, f, g) {
#ifdef GRACE
	assert(NOHOLD_OK);
#endif
	heldFrom[m] = f; lg[m] = g; sDone[m] = false; inHeld[m] = true; hm[m] = true
}

/* leave schedule: reset the scratch, release mu, return through ret */
inline EXIT_BODY(me) {
	sgot = wants[me] && owner == me;
	if
	:: ret == R_AWAIT && !sgot -> rDone[me] = false   /* req.arm() */
	:: else
	fi;
	sfb = NONE; sfs = 0; spb = NONE; sps = 0; sr = NONE; sa = 0;
	oF = NONE; oP = NONE; cl1 = NONE; cl2 = NONE; cv = 0; cx = 0; cld = false;
	ph = P_EXIT;
	UNLOCK(me);
	if
	:: ret == R_ENTER -> ret = 0; goto r_enter
	:: ret == R_RESUME -> ret = 0; goto r_resume
	:: ret == R_AWAIT -> ret = 0; goto r_await
	:: ret == R_RELEASE -> ret = 0; goto r_release
	:: ret == R_ABANDON -> ret = 0; goto r_abandon
	:: ret == R_LEAVE -> ret = 0; goto join
	:: ret == R_TRY -> ret = 0; goto loop
	fi
}

/* the scan's occupied.Load: the slots to visit, from the cursor on, without
 * the requester's own (one bit each in sa) */
#ifdef THREE
#define SCANSET(from, r) sa = (act[0] && from == 0 && r != 0) | \
	((act[1] && from <= 1 && r != 1) << 1) | ((act[2] && r != 2) << 2)
#else
#define SCANSET(from, r) sa = (act[0] && from == 0 && r != 0) | \
	((act[1] && r != 1) << 1)
#endif

inline PLAIN_LOAD() {
	ph = P_PSCAN; spb = NONE;
	SCANSET(plainFrom, pq0)
}

inline HEADS_BODY(me) {
	sfb = NONE; spb = NONE;
	if
	:: fq0 == NONE && PQH == NONE -> EXIT_BODY(me)
	:: fq0 != NONE -> ph = P_FSCAN; SCANSET(fullFrom, fq0)
	:: else -> PLAIN_LOAD()
	fi
}

inline START_BODY(me) {
	if
	:: owner != NONE -> EXIT_BODY(me)
	:: else
	fi;
	if
#ifdef THREE
	:: HELD1(0) && HELD1(1) && HELD1(2) -> HEADS_BODY(me)
#else
	:: HELD1(0) && HELD1(1) -> HEADS_BODY(me)
#endif
	:: else ->
		admitAll(!holds(heldFrom[0]), !holds(heldFrom[1]), !holds(heldFrom[2]));
		ph = P_HEADS
	fi
}

/* watch(b, seen): sets ok */
inline WATCH(b, seen, ok) {
	if
	:: b == NONE || (seen & W) -> ok = true
	:: else ->
#ifdef LOST_WAKEUP
		st[b] = st[b] | W; ok = true
#else
		if
		:: st[b] == seen -> st[b] = seen | W; ok = true
		:: else -> ok = false
		fi
#endif
	fi
}

/* the scan visits slot i (one state load) */
inline FVISIT(i) {
	if
	:: (st[i] & IDLE) != IDLE -> sfb = i; sfs = st[i]; fullFrom = i; sa = 0
	:: else
	fi
}
inline PVISIT(i) {
	if
	:: (st[i] & HARMLESS) != HARMLESS -> spb = i; sps = st[i]; plainFrom = i; sa = 0
	:: else
	fi
}

/* grantAtOnce's scan (its own cursor, from the first slot): visit slot i
 * for the request of me, which needs idle (full) or harmless (plain) */
inline AVISIT(i) {
	if
	:: (rFull[me] && (st[i] & IDLE) != IDLE) || (!rFull[me] && !(st[i] & HARMLESS)) ->
		sfb = i; sa = 0
	:: else
	fi
}

/* schedule, then Unlock.  The caller sets ph = P_START; lk if mu must be
 * taken first (reschedule, admitOrHold), pre for admitOrHold's hold decision.
 * isolate's grantAtOnce (P_ASCAN) and the rest of acquire (P_AWAIT) run
 * here too. */
inline schedLoop(me) {
	do
	:: atomic { ph == P_START && (!lk || HAS_LOCK(me)) ->
		if
		:: lk -> mu = me; lk = false;
			if
			:: pre ->      /* admitOrHold */
				pre = false;
				/* held if the gate holds it (the load under mu) */
				h = (owner != me) && HOLD_AGAIN(s);
#ifdef WITNESS_STRIKE
				/* a member let go MAX_LETGO times is held again:
				 * a hard hold */
				if :: h && lgs == MAX_LETGO -> assert(false) :: else fi;
#endif
				if
				:: h && bk ->
					/* back already (BACK_SWAP, before mu): its
					 * word says s; held */
					HOLD(me, s, LET_GO(s))
				:: h && !bk -> assert(HOLD_WAKE_OK(me, s));
					/* the gate closed after the member's load:
					 * back to the state it came from under mu,
					 * publish(from): an idle entry if from idle
					 * (the word is running since resume's Swap),
					 * and the Swap may take a flag set while it
					 * waited for mu */
					if
					:: s == IDLE -> GHOST_IDLE(me);
#ifndef PUBLISH_NO_COUNT
						COUNT(me)
#endif
					:: else
					fi;
					slow = slow || ((st[me] & W) != 0); ka = ((st[me] & AW) != 0);
					st[me] = s; HOLD(me, s, LET_GO(s))
				:: !h && bk ->
					/* back, but the gate let go before mu:
					 * resumeLocked, Swap(running) under mu (P1:
					 * no request publishes itself or scans
					 * meanwhile); a watched flag set since the
					 * swap back makes it schedule, an awaited one
					 * is handed on (P_PASS) */
					slow = slow || ((st[me] & W) != 0); ka = ((st[me] & AW) != 0);
					st[me] = RUN
				:: else
				fi;
				bk = false;
				/* letGos: kept while the hold let go; a hard hold
				 * or none ends them (the ghost too, if none) */
				if :: !h -> LGN_CLR(me) :: else fi;
				LGS_DECIDED;
				/* schedule only for a kick (slow: a Swap took the
				 * flag): to a scan, nothing else changed; first
				 * publish's passAwaited (P_PASS) */
				if
				:: ka -> ph = P_PASS
				:: !ka && slow -> slow = false; START_BODY(me)
				:: else -> EXIT_BODY(me)
				fi
			:: else
			fi
		:: else
		fi;
#ifdef GRACE
		if :: ph == P_PASS :: else -> START_BODY(me) fi
#else
		START_BODY(me)
#endif
	   }
	:: atomic { ph == P_HEADS -> HEADS_BODY(me) }
	/* full head: scan for a member that is not idle */
	:: atomic { ph == P_FSCAN && (sa & 1) -> sa = sa & 6; FVISIT(0) }
	:: atomic { ph == P_FSCAN && (sa & 3) == 2 -> sa = sa & 4; FVISIT(1) }
#ifdef THREE
	:: atomic { ph == P_FSCAN && sa == 4 -> sa = 0; FVISIT(2) }
#endif
	:: atomic { ph == P_FSCAN && sa == 0 && sfb == NONE && !PLAIN_OLDER ->
		sr = fq0; GRANT(sr) }
#ifndef FULL_PASSES_OLDER
	/* the full head is eligible, but an older plain head goes first */
	:: atomic { ph == P_FSCAN && sa == 0 && sfb == NONE && PLAIN_OLDER ->
		PLAIN_LOAD() }
#endif
#ifndef STRICT_FULL
	:: atomic { ph == P_FSCAN && sa == 0 && sfb != NONE && PQH != NONE ->
		PLAIN_LOAD() }
	:: atomic { ph == P_FSCAN && sa == 0 && sfb != NONE && PQH == NONE ->
#else
	:: atomic { ph == P_FSCAN && sa == 0 && sfb != NONE ->
#endif
		/* watch: the full blocker only */
		WREC(); WATCH(sfb, sfs, kk);
		if :: kk -> kk = false; SETTLE_EXIT(me) :: else -> SETTLE_START(me) fi }
	/* plain head: scan for a member that is running */
	:: atomic { ph == P_PSCAN && (sa & 1) -> sa = sa & 6; PVISIT(0) }
	:: atomic { ph == P_PSCAN && (sa & 3) == 2 -> sa = sa & 4; PVISIT(1) }
#ifdef THREE
	:: atomic { ph == P_PSCAN && sa == 4 -> sa = 0; PVISIT(2) }
#endif
	:: atomic { ph == P_PSCAN && sa == 0 && spb == NONE ->
		sr = pq0; GRANT(sr) }
	/* watch: both blockers, the full one's flag first (a CAS: a step of
	 * its own if it needs one) */
	:: atomic { ph == P_PSCAN && sa == 0 && spb != NONE ->
		WREC();
		if
		:: sfb != NONE && !(sfs & W) ->
			WATCH(sfb, sfs, kk);
			if
			:: kk && (sps & W) ->
				/* the full blocker newly watched, the plain one
				 * watched already (by an earlier schedule): reached
				 * with three members only */
#ifdef WITNESS_FW
				assert(false);
#endif
				kk = false; SETTLE_EXIT(me)
			:: kk && !(sps & W) -> kk = false; ph = P_WATCHP
			:: else -> SETTLE_START(me)
			fi
		:: else ->
			WATCH(spb, sps, kk);
			if :: kk -> kk = false; SETTLE_EXIT(me) :: else -> SETTLE_START(me) fi
		fi }
	:: atomic { ph == P_WATCHP ->
		WATCH(spb, sps, kk);
		if :: kk -> kk = false; SETTLE_EXIT(me) :: else -> SETTLE_START(me) fi }
	/* cl1's stateWord.unwatch: load; if the flag is set, CompareAndSwap it off
	 * (a member's Swap may win: it then kicks, and the load is redone) */
	:: atomic { ph == P_CLR && !cld -> cv = st[cl1];
		if :: (cv & W) -> cld = true :: else -> CLR_NEXT(me) fi }
	:: atomic { ph == P_CLR && cld ->
		if
		:: st[cl1] == cv -> st[cl1] = cv - W; CLR_NEXT(me)
		:: else -> cld = false; cv = 0
		fi }
	:: atomic { ph == P_CONT ->
		if :: cx == CX_GRANT -> GRANTED(sr) :: else -> WITHDRAWN(me) fi }
	/* grantAtOnce: the granted bit is published (ISOLATE_BODY), then a
	 * scan; no blocker: the grant is kept, with no queue and no state
	 * change; a blocker: the bit goes, the cursors are reset, and the
	 * request waits as any other */
	:: atomic { ph == P_ASCAN && (sa & 1) -> sa = sa & 6; AVISIT(0) }
	:: atomic { ph == P_ASCAN && (sa & 3) == 2 -> sa = sa & 4; AVISIT(1) }
#ifdef THREE
	:: atomic { ph == P_ASCAN && sa == 4 -> sa = 0; AVISIT(2) }
#endif
	:: atomic { ph == P_ASCAN && sa == 0 && sfb == NONE -> tr = false; owner = me;
#ifdef WITNESS_BARGE
		/* a barge: granted at once while a dormant queue waits */
		if :: dorm -> assert(false) :: else fi;
#endif
		/* a member from an idle scope: running (see SECTION_STATE) */
		if :: me != O && rMode[me] == IDLE -> SETSTATE(me, SECTION_STATE(me)) :: else fi;
		EXIT_BODY(me) }
	:: atomic { ph == P_ASCAN && sa == 0 && sfb != NONE ->
		gG = false; sfb = NONE; plainFrom = 0; fullFrom = 0;
		if :: tr -> TRY_FAILED(me) :: else -> ph = P_AWAIT fi }
	:: atomic { ph == P_AWAIT -> AWAIT_BODY(me) }
#ifdef GRACE
	/* publish's (or resumeLocked's) passAwaited (under mu; S does not
	 * take mu): kick if the member is now idle, else Or the flag back;
	 * then schedule (slow) or leave */
	:: atomic { ph == P_PASS -> ka = false; PASS_AW(me, st[me] & IDLE);
		if :: slow -> slow = false; ph = P_START :: else -> EXIT_BODY(me) fi }
	/* releaseLocked's passAwaited(idle) after its publish, then the rest */
	:: atomic { ph == P_RKICK -> ka = false; GKICK; ph = P_REL }
	:: atomic { ph == P_REL -> RELEASE(me); REL_NEXT }
#endif
	od
}


/* the waiter of request r saw done: the request is over.  done and a
 * token left over are dead until the next arm (a left-over token only makes
 * the next wait load done once more): clear them, to keep states apart only
 * where they differ. */
inline WOKE(r) {
	wants[r] = false; rDone[r] = false; rTok[r] = false; cxr[r] = false
}

/* waiter.wait without cancel, on member m's slot; the spinning phase only
 * loads done more often, which changes nothing here.  done and the token
 * are dead after the wait (see WOKE). */
inline slotWait(m) {
	do
	:: atomic { sDone[m] -> sDone[m] = false; sTok[m] = false; hm[m] = false }; break
	:: else -> atomic { sTok[m] -> sTok[m] = false }
	od
}

/* enter's Swap (Harmless and Idle write it out): the member stops running its
 * own code (and, for idle, holds no references); kk is the watched flag seen */
inline ENTER_SWAP(m, v) {
	assert(WAKE_OK(m, v));
	userRun[m] = false;
	if :: v == IDLE -> DROP(m); COUNT(m); GHOST_IDLE(m) :: else fi;
	kk = ((st[m] & W) != 0); ka = ((st[m] & AW) != 0); st[m] = v; s = v
}

/* Leave's vacate: Swap(idle), the watched flag seen in kk; the member
 * holds nothing any more */
inline VACATE_SWAP(m) {
	assert(WAKE_OK(m, IDLE));
	userRun[m] = false; DROP(m); COUNT(m);
	if :: (st[m] & IDLE) != IDLE -> GHOST_IDLE(m) :: else fi;
	kk = ((st[m] & W) != 0); ka = ((st[m] & AW) != 0); st[m] = IDLE; s = IDLE
}

/* resume's Swap(running); slow: it took the watched flag, ka: the awaited
 * one */
#define RESUME_SWAP(m) slow = ((st[m] & W) != 0); ka = ((st[m] & AW) != 0); st[m] = RUN

/* admitOrHold's swap back, before it takes mu: publish(s), the member's
 * own Swap from running (resume's) back to the state s it came from, an
 * idle entry if s is idle (a grace period may have recorded the word
 * running, with the old count: P7, G1); a watched flag it takes (a scan
 * saw the member running) makes the member schedule under mu (slow), as a
 * kick would, and an awaited one is handed on (ka, then PASS_AW).  No lost
 * wake-up: WAKE_OK, unless the member schedules anyway (slow: resume's
 * Swap took a watched flag).  BACK_NO_KICK ignores the watched flag;
 * BACK_NO_COUNT does not count the idle entry. */
inline BACK_SWAP(m) {
	assert(WAKE_OK(m, s) || slow);
	if
	:: s == IDLE -> GHOST_IDLE(m);
#if !defined(PUBLISH_NO_COUNT) && !defined(BACK_NO_COUNT)
		COUNT(m)
#endif
	:: else
	fi;
#ifndef BACK_NO_KICK
	slow = slow || ((st[m] & W) != 0);
#endif
	ka = ((st[m] & AW) != 0); st[m] = s
}

/* Member.isolate / Isolator.isolate under mu, and acquire: request.prev
 * is the member's mode (s: running, or the scope's); if nothing is in
 * progress or requested, grantAtOnce publishes the granted bit and scans
 * (P_ASCAN), else the request waits (AWAIT_BODY). */
inline ISOLATE_BODY(me, isFull) {
	mu = me;
	if
	:: me != O -> userRun[me] = false; rMode[me] = s
	:: else
	fi;
	rFull[me] = isFull; wants[me] = true;
	lk = false; ret = R_AWAIT;
	if
	:: QUIET ->
		gG = true; sfb = NONE; ph = P_ASCAN; SCANSET(0, me)
	:: else -> AWAIT_BODY(me)
	fi
}

/* TryIsolate (the outsider's, plain): grantAtOnce, or give up */
inline ISOLATE_TRY(me) {
	mu = me; tr = true;
	rFull[me] = false; wants[me] = true;
	lk = false; ret = R_AWAIT;
	if
	:: QUIET ->
		gG = true; sfb = NONE; ph = P_ASCAN; SCANSET(0, me)
	:: else -> TRY_FAILED(me)
	fi
}

/* TryIsolate would wait: it leaves, having changed nothing (a busy
 * Isolator: it took mu only) */
inline TRY_FAILED(me) {
	tr = false; wants[me] = false; rFull[me] = false; ret = R_TRY; EXIT_BODY(me)
}

/* the rest of acquire: a member waits harmless, or idle for a full
 * request or one asked from idle (a full request from running counts as
 * idle: the documented promise of IsolateFull; from a Harmless scope it is
 * never made, except by the FULL_IN_HARMLESS mutant, whose member then
 * waits idle holding references); then awaitGrant's enqueue (gate.request) and
 * schedule */
inline AWAIT_BODY(me) {
	if
	:: me != O ->
		ka = ((st[me] & AW) != 0);
		if
		:: rFull[me] || rMode[me] == IDLE ->
			/* publish's count: only from another state */
			if
			:: (st[me] & IDLE) != IDLE -> GHOST_IDLE(me);
#ifndef PUBLISH_NO_COUNT
				COUNT(me)
#endif
			:: else
			fi;
			st[me] = IDLE;
			if :: rMode[me] == RUN -> DROP(me) :: else fi
		:: else -> st[me] = HARMLESS
		fi
	:: else
	fi;
	enqueue(me);
	/* publish's passAwaited, a step of its own (P_PASS), then schedule */
	if :: ka -> slow = true; ph = P_PASS :: else -> ph = P_START fi
}

/* after a release or a withdrawal: the member runs on in the mode it
 * asked from (the grant or the withdrawal restored it): running, or back
 * in its scope.  request.prev and request.full are dead until the next
 * request: cleared, so that states differ only where it matters. */
#define RUN_ON(me) \
	if \
	:: atomic { me != O && rMode[me] == RUN -> rFull[me] = false; RUNS(me) }; goto loop \
	:: atomic { me != O && rMode[me] != RUN -> s = rMode[me]; rMode[me] = RUN; rFull[me] = false }; goto inscope \
	:: atomic { me == O -> rFull[me] = false }; goto loop \
	fi

/* a request (cond: who may make it): Isolate[Full] or its ...Context
 * form (cxr: its ctx may end at any time) */
#ifndef LTL
#define REQ(cond, isFull) \
	:: atomic { mu == NONE && (cond) -> ISOLATE_BODY(me, isFull) }; goto sched \
	:: atomic { mu == NONE && (cond) && CTX_OK -> cxr[me] = true; ISOLATE_BODY(me, isFull) }; goto sched
#else
#define REQ(cond, isFull) \
	:: atomic { (cond) -> fl = isFull; LOCK(me) }; goto liso \
	:: atomic { (cond) && CTX_OK -> cxr[me] = true; fl = isFull; LOCK(me) }; goto liso
#endif
/* Who makes ...Context requests.  With three members only B does, to keep
 * the run to a few minutes: its withdrawals (from running or from an Idle
 * scope) are the ones that clear a full head's watch record; A's and O's
 * withdrawals are checked with two members.  Under -DLTL (two members)
 * the members do, the outsider does not: with barging, plain withdrawals
 * of both A and O (a dormant head's passRetry to the other) make each
 * claim four times as large; the two-member safety run has them all. */
#if defined(THREE) || (defined(GRACE) && !defined(LTL))
#define CTX_OK (me == B)
#elif defined(GRACE)
#define CTX_OK false
#elif defined(LTL)
#define CTX_OK (me != O)
#else
#define CTX_OK true
#endif

active [NP] proctype G() {
	byte me = _pid;
	byte ph, s, ret;
	bool lk, pre, kk, slow, h, sgot, got, cs, pk, fl, tr;
	bool bk;                    /* admitOrHold: back before mu */
	bool ka;                    /* the Swap took the awaited flag */
	byte lgs;                   /* resumeSlow's letGos: the times this
	                             * scope end was let go (its retries),
	                             * 0..MAX_LETGO (MAX_LETGO + 1 for mutants
	                             * only, LGS_INC) */

	if
	:: me != O -> goto join      /* members Join first */
#ifndef GRACE
	:: else -> goto loop
#else
	/* with the synchronizer, the outsider S replaces O: the members'
	 * isolations (A plain, B full) exercise the Isolator's writes */
	:: else -> goto end_stop
#endif
	fi;

	/* running outside any scope (s == RUN), or the outsider between
	 * requests */
loop:
	if
	/* a Harmless scope, an Idle scope, or Idle for good (pk: the member
	 * blocks in it forever, and nobody wakes it).  Not Harmless for good:
	 * a full request would then rightly wait forever, which the search
	 * could not tell from a deadlock. */
	:: atomic { me != O -> ENTER_SWAP(me, HARMLESS) }; goto entered
	:: atomic { me != O -> ENTER_SWAP(me, IDLE) }; goto entered
	:: atomic { me != O -> pk = true; ENTER_SWAP(me, IDLE) }; goto entered
	/* Isolate[Context] (A, O), IsolateFull[Context] (B, O) */
	REQ(me == A || me == O, false)
	REQ(me == B || me == O, true)
	/* TryIsolate (O) */
#ifndef LTL
	:: atomic { mu == NONE && me == O -> ISOLATE_TRY(me) }; goto sched
#else
	:: atomic { me == O -> tr = true; LOCK(me) }; goto liso
#endif
	/* Leave (B) */
	:: atomic { me == B -> VACATE_SWAP(me) }; goto left
	/* the outsider stops */
	:: me == O -> goto end_stop
	fi;

#ifdef LTL
liso:
	atomic { HAS_LOCK(me) ->
		if :: tr -> ISOLATE_TRY(me) :: else -> ISOLATE_BODY(me, fl); fl = false fi };
	goto sched;
#endif

	/* Leave, after its vacate's Swap(idle): occupied.And, kick if
	 * watched; then Join again */
left:
	act[me] = false;
#ifdef GRACE
	if :: ka -> atomic { ka = false; GKICK } :: else fi;
#endif
	if
	:: kk -> kk = false; lk = true; ph = P_START; ret = R_LEAVE; goto LSCHED
	:: else -> goto join
	fi;

	/* Join: claim's CompareAndSwap sets the occupied bit (a slot that is
	 * not occupied holds idle without the watched flag: vacate swapped it
	 * so before clearing the bit, and a watch only CASes a state that is
	 * not idle), then resume from idle */
join:
	atomic { assert(st[me] == IDLE); act[me] = true; s = IDLE };
	goto resume;

	/* member.enter: kick if the Swap found the watched flag */
entered:
#ifdef GRACE
	/* flagged: passAwaited(mode) first, then the Isolator's kick */
	if :: ka -> atomic { ka = false; PASS_AW(me, s) } :: else fi;
#endif
#ifndef NO_KICK
	if
	:: kk -> kk = false; lk = true; ph = P_START; ret = R_ENTER; goto LSCHED
	:: else
	fi;
#else
	kk = false;
#endif
r_enter:
	if
	:: pk ->
end_park:	false               /* idle for good */
	:: else
	fi;

	/* in a Harmless or Idle scope (s), or in A's Harmless scope in its own
	 * section (cs): end it, or isolate from it (A plain from either, B
	 * full from idle), or (B) Leave inside a Harmless scope, which ends
	 * it: the one way from harmless to idle without mu */
inscope:
	if
	:: goto resume
	:: atomic { me == B && s == HARMLESS && !cs -> VACATE_SWAP(me) }; goto left
	REQ(!cs && me == A, false)
	REQ(!cs && me == B && s == IDLE, true)
#ifdef FULL_IN_HARMLESS
	REQ(!cs && me == B && s == HARMLESS, true)
#endif
	fi;

	/* Scope.End / resume: Swap(running) (RESUME_SWAP), load the gate, slow path.
	 * s is the state the member leaves; cs: inside its own section */
resume:
	atomic { RESUME_SWAP(me); SE_SET(me) };    /* slow: watched */
resumed:
#ifndef NO_DEKKER
#define RESUME_HELD holds(s)
#else
#define RESUME_HELD false
#endif
	atomic {
		if :: !slow && !ka && !RESUME_HELD && !cs -> RUNS(me); s = 0; lgs = 0; LGN_CLR(me); SE_CLR(me); goto loop
		   :: !slow && !ka && !RESUME_HELD && cs -> s = 0; SE_CLR(me); goto release
		   :: else -> lk = true; pre = true; ph = P_START; ret = R_RESUME;
			/* admitOrHold's gate load (g): back if it holds the
			 * member (the awaited path loads it again below) */
			bk = !ka && !cs && RESUME_HELD
		fi };
#ifdef GRACE
	/* resumeSlow: passAwaited(running), the Or; then, if the Swap took no
	 * watched flag, the gate again: if it does not hold the member, it
	 * runs on without mu (AWAITED_NO_GATE: without that load) */
	if
	:: ka -> atomic { ka = false; PASS_AW(me, RUN) };
		atomic {
			if
#ifndef AWAITED_NO_GATE
			:: !slow && !RESUME_HELD ->
#else
			:: !slow ->
#endif
				lk = false; pre = false; ph = P_EXIT; ret = 0;
				if
				:: !cs -> RUNS(me); s = 0; lgs = 0; LGN_CLR(me); SE_CLR(me); goto loop
				:: else -> s = 0; SE_CLR(me); goto release
				fi
			:: else -> bk = !cs && RESUME_HELD
			fi }
	:: else
	fi;
#endif
	/* admitOrHold: back to s before mu if the gate held the member */
	if
	:: bk -> atomic { BACK_SWAP(me) };
#ifdef GRACE
		/* publish's passAwaited(s): kick into idle, or hand on */
		if :: ka -> atomic { ka = false; PASS_AW(me, s) } :: else fi
#endif
	:: else
	fi;
	goto LSCHED;
r_resume:
	if :: h -> h = false; slotWait(me) :: else fi;
	/* woken: letGo, read after the admission (only admitOrHold's holds
	 * under mu write it, and the member is not held now): let go, its
	 * word still s (harmless or idle), it runs resume's Swap and gate
	 * load again (resumeSlow's loop), counting the let-go (lgs: letGos++,
	 * LGS_INC); a hold after MAX_LETGO let-gos is a hard one (letGo
	 * false).  The read of lg is merged into the Swap's step: nobody else
	 * writes lg now.  Admitted running (or not held), it runs on, and
	 * the scope end's count is reset.  LETGO_RUNS: it runs on, its word
	 * harmless or idle. */
	if
#ifndef LETGO_RUNS
	:: atomic { lg[me] -> lg[me] = false; LGS_INC; RESUME_SWAP(me) }; goto resumed
#define LG_DONE !lg[me]
#else
#define LG_DONE true
#endif
	:: atomic { LG_DONE && !cs -> lg[me] = false; RUNS(me); s = 0; lgs = 0; LGN_CLR(me); SE_CLR(me) }; goto loop
	:: atomic { LG_DONE && cs -> s = 0; SE_CLR(me) }; goto release
	fi;

	/* awaitGrant after schedule: granted at once, or wait (cancellable) */
r_await:
	if
	:: atomic { sgot -> sgot = false; got = true; wants[me] = false; cxr[me] = false; ENTER_CS(me) }
	:: else ->
		/* woken with retry clear: granted (asserted: B1 says retry is
		 * set on every wake but a grant's); with retry set
		 * (goDormant, passRetry): ask again (askAgain takes mu: the
		 * wake and Lock are one step, as done and retry stay set until
		 * then).  A signalled wait returns true even if the ctx ends. */
		do
		:: atomic { rDone[me] && !rRetry[me] -> assert(owner == me); got = true; WOKE(me); ENTER_CS(me) }; break
#ifndef LTL
		:: atomic { rDone[me] && rRetry[me] && mu == NONE -> ASK_AGAIN(me) }; goto sched
#else
		:: atomic { rDone[me] && rRetry[me] -> LOCK(me) }; goto lask
#endif
#ifndef BARGE_ASK_ENDED
		/* woken with retry set as its ctx ended: it gives up (the
		 * abandon path) rather than ask again; retry stays set.
		 * WITNESS_GIVE_UP: reached */
		:: atomic { rDone[me] && rRetry[me] && cxr[me] -> cxr[me] = false;
#ifdef WITNESS_GIVE_UP
			assert(false)
#endif
			}; break
#endif
		:: atomic { !rDone[me] && rTok[me] -> rTok[me] = false }
		:: atomic { !rDone[me] && cxr[me] -> cxr[me] = false }; break
		od
	fi;
	if
	:: got -> got = false
	:: else -> goto abandon
	fi;

	/* the isolated section: A, when it asked from running, opens a
	 * harmless scope in it (inside a scope, Harmless changes nothing) */
	if
	:: atomic { me == A && rMode[A] == RUN -> cs = true; ENTER_SWAP(me, HARMLESS) }; goto entered
	:: else
	fi;

	/* release: releaseMember / releaseOutsider, then releaseLocked */
release:
	LOCK(me)
	atomic { HAS_LOCK(me) -> mu = me; cs = false; ncs--;
		lk = false; ret = R_RELEASE; REL_BEGIN(me) };
	goto sched;
r_release:
#ifdef RELEASE_BUG
	/* the seed's release returns with the harmless bit still set (it
	 * was ORed in by thread_harmless_till_end) */
	if :: me != O -> st[me] = st[me] | HARMLESS :: else fi;
#endif
	/* the member runs on in the mode it asked from (the grant restored
	 * it): running, or back in its scope */
	RUN_ON(me)

	/* awaitGrant's abandon path: wait returned false */
abandon:
	LOCK(me)
	atomic { HAS_LOCK(me) -> mu = me; wants[me] = false; lk = false; ret = R_ABANDON;
		if
		:: owner == me ->            /* granted as ctx ended: roll back */
			rDone[me] = false; rTok[me] = false;   /* dead (see WOKE) */
			REL_BEGIN(me)
		:: else ->                   /* withdrawLocked: the gate, unqueue, then WITHDRAWN */
			WITHDRAW_GATE(me);
			rDone[me] = false; rTok[me] = false;   /* a wake to ask again: dead */
			unqueue(me);
			if :: cl1 != NONE -> cx = CX_WITHDRAW; ph = P_CLR :: else -> WITHDRAWN(me) fi
		fi };
	goto sched;
r_abandon:
	if :: h -> h = false; slotWait(me) :: else fi;
	RUN_ON(me)

#ifdef LTL
	/* askAgain after its Lock */
lask:
	atomic { HAS_LOCK(me) -> ASK_AGAIN(me) };
	goto sched;
#endif

	/* schedule, then mu.Unlock; returns through ret */
#ifdef LTL
lsched:
	LOCK(me)
#endif
sched:
	schedLoop(me);
end_stop:
	skip
}

#ifdef GRACE
/* ---- the synchronizer (-DGRACE): an outsider goroutine that publishes a
 * new version and calls Synchronize or SynchronizeContext, over and over,
 * or stops ----
 * References: a member takes one when it runs (RUNS, or in its isolated
 * section, ENTER_CS) and holds none (injob), and drops it when it moves into
 * idle or leaves (DROP).  S's publication (an atomic.Pointer Swap) makes
 * every reference held then old (old[]); Synchronize must not return while
 * a member still holds one (SYNC_OK).  The waiter's token is left out:
 * signal sets done and sends a token together, and a token left over from
 * a signal whose done the waiter saw (or re-armed) only makes a later wait
 * load done once more, a stutter; so the wait blocks on done. */
#define IDLE_NOW(w) (((w) & IDLE) == IDLE)
#ifdef IDLE_NOW_ONLY
#define IDLE_SINCE(m, w) IDLE_NOW(w)
#else
#define IDLE_SINCE(m, w) (IDLE_NOW(w) || mv[m])
#endif
/* the snapshot waits for the members that are not idle (need modeIdle);
 * SNAP_RUNNING: only for running ones (need modeHarmless) */
#ifdef SNAP_RUNNING
#define SNAP_BLOCKS(w) (((w) & HARMLESS) != HARMLESS)
#else
#define SNAP_BLOCKS(w) (((w) & IDLE) != IDLE)
#endif
#define SNAP(i) if \
	:: (ssa & (1 << i)) && SNAP_BLOCKS(st[i]) -> gp[i] = true; mv[i] = false; ie[i] = false \
	:: else \
	fi
/* every member's references are at least as new as the version
 * published before the call */
#define SYNC_OK (!old[0] && !old[1])
/* S is done with slot i: the next pending one, or none */
#define NEXT(i) gp[i] = false; mv[i] = false; ie[i] = false; \
	if :: gp[0] -> cur = 0 :: !gp[0] && gp[1] -> cur = 1 :: else -> cur = NONE fi

active proctype S() {
	byte cur = NONE, gw, ssa, cw = NONE;
	bool nx;
end_sidle:
	if
	/* the writer publishes a new version (table.Swap(next)), then asks
	 * for a grace period */
	:: atomic { old[0] = injob[0]; old[1] = injob[1]; syn = true }
#ifndef LTL
	/* (under weak fairness a SynchronizeContext always ends: the claim
	 * bites on Synchronize) */
	:: atomic { old[0] = injob[0]; old[1] = injob[1]; syn = true; scx = true }
#endif
	:: goto end_sstop
	fi;
	/* the snapshot: blockers(0, nil, modeIdle) without mu: the occupied
	 * mask, then each occupied slot's word; a member not idle is recorded
	 * with its count (mv: not moved yet) */
	atomic { ssa = act[0] | (act[1] << 1) };
	atomic { SNAP(0); ssa = ssa & 2 };
	atomic { SNAP(1); ssa = 0;
		if :: gp[0] -> cur = 0 :: !gp[0] && gp[1] -> cur = 1 :: else -> cur = NONE fi };
	if
	:: cur == NONE -> goto s_ret     /* every member idle: no wait, no lock */
	:: else
	fi;
#ifdef SYNC_GATE
	/* the mutant: a lazy grace period publishes a pending full request
	 * in the gate while it waits (as one built on IsolateFull would) */
	atomic { mu == NONE -> gF++; sh = true };
#endif
	/* awaitIdle: join graceDomain.waiters and arm (under graceDomain.mu) */
	atomic { gReg = true; gDone = false };
s_look:
	/* under graceDomain.mu: unwatch the slot S moved past (unawait: with
	 * one waiter its idle entry took the flag, the load finds none), then
	 * w.watching = p.slot; then w.arm(), before the load (G3) */
#define UNWATCH_MOVED if :: wm != NONE && wm != cur -> assert(!(st[wm] & AW)) :: else fi
#ifndef ARM_AFTER_LOAD
	atomic { UNWATCH_MOVED; wm = cur; gDone = false };
#else
	atomic { UNWATCH_MOVED; wm = cur };
#endif
	/* the load: idle since the snapshot (idle now, or the count moved)?
	 * If not, the word must not have been idle since (BRIEF_OK: a brief
	 * idle state is not missed) */
	atomic { gw = st[cur];
		if
		:: IDLE_SINCE(cur, gw) -> NEXT(cur); gw = 0; nx = true
		:: else -> assert(!ie[cur])
		fi };
	if
	:: nx && cur == NONE -> nx = false; goto s_done
	:: nx && cur != NONE -> nx = false; goto s_look   /* the next member */
	:: !nx && (gw & AW) -> skip           /* flag set already: rely on it */
	:: !nx && !(gw & AW) ->
		/* CompareAndSwap(word, word|awaited); failed: look again.  The
		 * word holds the count: the CAS fails if it moved since the load
		 * (!IDLE_SINCE then: mv was false) */
		atomic {
			if
			:: st[cur] == gw && !mv[cur] -> st[cur] = gw | AW; gw = 0
			:: else -> gw = 0; nx = true
			fi };
		if
		:: nx -> nx = false; goto s_look
		:: else
		fi
	fi;
s_wait:
#ifdef ARM_AFTER_LOAD
	atomic { gDone = false };
#endif
	/* wait(false, a.done()): until done, or the ctx ends (then done is
	 * loaded once more) */
	if
	:: atomic { gDone -> gw = 0 }; goto s_look
	:: atomic { scx -> gw = 0; nx = gDone };
		if :: nx -> nx = false; goto s_look :: else fi
	fi;
	/* abandoned: leave: unwatch (under graceDomain.mu): w.watching = nil,
	 * then wm's stateWord.unawait: load, CompareAndSwap without the
	 * flag, which fails if a member's Swap changed the word (a member's
	 * hand-on from the first step on finds nobody watching: as if it came
	 * after the lock's section); then out of the waiters, after which no
	 * word may carry the flag (NOTRACE_OK) */
	atomic { cw = wm; wm = NONE; gw = st[cw]; nx = !(gw & AW) };
	do
	:: nx -> nx = false; break
	:: else ->
		atomic {
			if
			:: st[cw] == gw -> st[cw] = gw - AW; nx = true
			:: else -> gw = st[cw]; nx = !(gw & AW)
			fi }
	od;
	atomic { gw = 0; cw = NONE; gReg = false; gDone = false; NOTRACE_OK(0); NOTRACE_OK(1) };
#ifdef SYNC_GATE
	atomic { mu == NONE -> gF--; sh = false;
		admitAll(!holds(heldFrom[0]), !holds(heldFrom[1]), false) };
#endif
	/* SynchronizeContext returns its error: the writer keeps the old
	 * version (the ghosts are dead) */
	atomic { gp[0] = false; gp[1] = false; mv[0] = false; mv[1] = false;
		ie[0] = false; ie[1] = false; old[0] = false; old[1] = false;
		cur = NONE; syn = false; scx = false };
	goto end_sidle;
s_done:
#ifdef SYNC_GATE
	atomic { mu == NONE -> gF--; sh = false;
		admitAll(!holds(heldFrom[0]), !holds(heldFrom[1]), false) };
#endif
	/* leave: unwatch (with one waiter the last slot's idle entry took
	 * the flag: unawait's load finds none), out of the waiters; no word
	 * carries the flag (NOTRACE_OK) */
	atomic { assert(!(st[wm] & AW)); wm = NONE; gReg = false; gDone = false;
		NOTRACE_OK(0); NOTRACE_OK(1) };
s_ret:
	/* Synchronize returns: no member holds an old reference */
	atomic { assert(SYNC_OK); syn = false; scx = false };
	goto end_sidle;
end_sstop:
	skip
}
#endif

/* ---- progress (compile with -DLTL; run pan -a -f -N name) ----
 * Weak fairness: every goroutine that can move eventually moves, and under
 * -DLTL mu is starvation-free (see LOCK).  A ...Context request either ends
 * by cancellation or is granted, so the claims about requests bite on
 * Isolate and IsolateFull, which never give up.  wants[p]: p's request is
 * pending; hm[m]: member m waits on its slot, held by an isolation.
 * IsolateContext does not wait for other pending requests when it gives up
 * (a member that was running runs again at once unless an isolation is
 * granted), so members that abandon requests forever can keep a plain
 * request from ever seeing every member harmless at once: a documented
 * trade-off.  plainO assumes that eventually no member makes ...Context
 * requests (FEW_ABANDONS); the other claims need no such assumption.
 * Full isolation needs every member idle: the claims that involve it assume
 * that each member is idle (in an Idle scope, waiting in a full request or
 * in one asked from idle, idle for good, or not joined) infinitely often.
 *
 *   plainA  A's plain request is granted (or abandoned).
 *   plainO  O's plain request is granted (or abandoned), if eventually no
 *           member abandons requests.  The earlier rule (FULL_PASSES_OLDER)
 *           fails it: see README.md, "Findings".
 *   fullO   O's full request is granted (or abandoned).
 *   fullB   B's full request is granted (or abandoned).
 *   heldA   A, held back by an isolation, is woken again (set running,
 *           or let go: see scopeA).
 *   heldB   B, held back by an isolation, is woken again.
 *   scopeA  A's scope end (Join's resume included) ends: A runs past the
 *           gate (se[A], set at resume's Swap, cleared where the member
 *           runs on; the retry's Swap of a member let go leaves it set).
 *           heldA does not say so: a member let go (harmless or idle) is
 *           woken (hm cleared) without running, and may be held again.
 *           LETGO_ALWAYS (no bound) fails it: O isolates back to back,
 *           and A, let go after each release, is held again by O's next
 *           grantAtOnce before its retry's Swap; so do LETGO_UNCOUNTED
 *           and LETGO_RESET, whose count never reaches the bound.
 *   scopeB  the same for B.
 */
#ifdef LTL
#define IDLE_OFTEN ([]<> !injob[A] && []<> !injob[B])
#define FEW_ABANDONS (<>[] (!cxr[A] && !cxr[B]))
ltl plainA { [] (wants[A] -> <> !wants[A]) }
ltl plainO { FEW_ABANDONS -> [] ((wants[O] && !rFull[O]) -> <> !wants[O]) }
ltl fullO { IDLE_OFTEN -> [] ((wants[O] && rFull[O]) -> <> !wants[O]) }
ltl fullB { IDLE_OFTEN -> [] (wants[B] -> <> !wants[B]) }
ltl heldA { IDLE_OFTEN -> [] (hm[A] -> <> !hm[A]) }
ltl heldB { IDLE_OFTEN -> [] (hm[B] -> <> !hm[B]) }
ltl scopeA { IDLE_OFTEN -> [] (se[A] -> <> !se[A]) }
ltl scopeB { IDLE_OFTEN -> [] (se[B] -> <> !se[B]) }
#ifdef GRACE
ltl grace { IDLE_OFTEN -> [] (syn -> <> !syn) }
#endif
#endif
