/*
 * isolate.pml: a Promela model of the isolate package's protocol, as the Go
 * code implements it.  README.md beside this file maps each step to the Go
 * function and line it models; check.sh runs every check.
 *
 * Goroutines (one proctype G, three instances, so that schedule exists once)
 *   B  member in slot 0: Join; then Harmless and Idle scopes, IsolateFull or
 *      IsolateFullContext, Leave and Join again, or Idle for good.
 *   A  member in slot 1: Join; then Harmless and Idle scopes, Isolate or
 *      IsolateContext (with a Harmless scope inside its own section), or
 *      Idle for good.
 *   O  outsider: Isolator.Isolate, IsolateContext, IsolateFull or
 *      IsolateFullContext, or it stops.
 * A ...Context request may be abandoned at any moment of its wait
 * (including as its grant lands: the grant is then rolled back).
 *
 * Granularity.  Every Go atomic operation that another goroutine may race
 * with without holding Isolator.mu is a step of its own: the members' Swaps
 * of their state words, the scan's load of the active mask and of each
 * state word, the watch CompareAndSwap, every write of the gate (members
 * load it without mu), Join's and Leave's active.Or/And, the waiters' loads
 * of done and receives.  What runs under mu and is only read under mu
 * (owner, queues, held list, cursors, the state word of a member that is
 * parked or is the one holding mu, loads of the gate, which only changes
 * under mu) is merged into a neighbouring step, as are lock acquisition
 * (a right mover) and release (a left mover).  A signal's done.Swap(true)
 * and its token send are one step: only the waiter reads them, and its next
 * arm is under mu, after the send.  The waiters' spinning phase only loads
 * done more often and is not modelled.  TryIsolate, Poll (a Harmless scope
 * with a gate pre-check), stall reports and leak detection are left out.
 *
 * Properties
 *   - assertions: mutual exclusion (ENTER_CS, RUNS: no member runs its own
 *     code while a section runs, at most one section, no member out of idle
 *     during a full section) and HELD_OK (a held member is still held back
 *     by the gate whenever mu is released: nobody waits for nothing);
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
 *                    isolating full back to back starves them: plainO)
 */

#define B 0
#define A 1
#define O 2
#define NONE 3

/* slot state words (isolator.go: stateRunning ...) */
#define RUN 0
#define HARMLESS 1
#define IDLE 3
#define W 4

byte st[2];                 /* slot state words */
bool act[2];                /* group.active bits */

/* the gate word: granted bit, plain count, full count */
bool gG;
byte gP, gF;

/* holds(from, gate): isolator.go holds() */
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
bit plainFrom, fullFrom;        /* scan cursors */
#ifndef FULL_PASSES_OLDER
bool older[9];                  /* older[x*3+r]: x queued before r */
#define PLAIN_OLDER (pq0 != NONE && older[pq0*3 + fq0])
#else
#define PLAIN_OLDER false
#endif
bool inHeld[2];                 /* iso.held */
byte heldFrom[2];               /* slot.heldFrom */
bool rFull[3];                  /* request.full */
byte rMode[2];                  /* request.mode (members) */
/* schedule's scratch (under mu, cleared when mu is released) */
byte sfb = NONE, sfs, spb = NONE, sps, sr = NONE;
bool sa0, sa1, sfp;

/* waiters: done flag and a one-token channel */
bool rDone[3], rTok[3];         /* request.waiter */
bool sDone[2], sTok[2];         /* slot.waiter */

/* observation, for the properties */
bool userRun[2];                /* member runs its own code (shared state) */
bool injob[2];                  /* member holds shared references: not idle */
bool wants[3];                  /* a request is pending (until its outcome) */
bool hm[2];                     /* member waits on its slot (held) */
bool cxr[3];                    /* p's request is an ...Context one: it
                                 * may be abandoned at any moment */
byte ncs;                       /* goroutines in an isolated section */

/* return points of sched */
#define R_ENTER 1
#define R_RESUME 2
#define R_AWAIT 3
#define R_RELEASE 4
#define R_ABANDON 5
#define R_LEAVE 6
#define R_JOIN 7

/* Isolator.mu.  Safety runs use a mutex that anyone may take when it is
 * free: that allows every order of acquisition.  Under -DLTL the mutex is
 * starvation-free, as sync.Mutex is (its starvation mode hands the lock to
 * a waiter): LOCK takes a free mutex or queues the caller (mw), and UNLOCK
 * hands it to the next queued goroutine, round robin.  Without this, weak
 * fairness alone would let one goroutine take mu forever while another's
 * Lock stays blocked, a starvation that sync.Mutex rules out. */
/* Every held member is still held back by the gate whenever mu is
 * released: nobody waits for an isolation that is not there. */
#define HELD_OK ((!inHeld[B] || holds(heldFrom[B])) && (!inHeld[A] || holds(heldFrom[A])))

#ifdef LTL
bool mw[3];
#define HAS_LOCK(me) (mu == me)
#define LOCK(me) atomic { if :: mu == NONE -> mu = me :: else -> mw[me] = true fi };
#define LSCHED lsched
inline UNLOCK(me) {
	assert(HELD_OK);
	if
	:: mw[(me + 1) % 3] -> mw[(me + 1) % 3] = false; mu = (me + 1) % 3
	:: else ->
		if
		:: mw[(me + 2) % 3] -> mw[(me + 2) % 3] = false; mu = (me + 2) % 3
		:: else -> mu = NONE
		fi
	fi
}
#else
#define HAS_LOCK(me) (mu == NONE)
#define LOCK(me)
#define LSCHED sched
#define UNLOCK(me) assert(HELD_OK); mu = NONE
#endif

/* phases of schedule (one step each, see schedLoop) */
#define P_EXIT 0
#define P_START 1
#define P_HEADS 2
#define P_FSCAN 3
#define P_PSCAN 4
#define P_WATCHP 5

/* ---- observation: the mutual exclusion assertions ---- */

/* member m runs its own code again, outside any isolated section */
inline RUNS(m) {
	assert(ncs == 0);
	userRun[m] = true; injob[m] = true
}

/* p enters its isolated section */
inline ENTER_CS(p) {
	assert(ncs == 0);
	assert(p == A || !userRun[A]);
	assert(p == B || !userRun[B]);
	if
	:: rFull[p] -> assert(p == A || !injob[A]); assert(p == B || !injob[B])
	:: else
	fi;
	ncs++
}

/* ---- under mu ---- */

inline unqueue(r) {
#ifndef FULL_PASSES_OLDER
	older[r*3+0] = false; older[r*3+1] = false; older[r*3+2] = false;
	older[0*3+r] = false; older[1*3+r] = false; older[2*3+r] = false;
#endif
	if
	:: rFull[r] ->
		if
		:: fq0 == r -> fq0 = fq1; fq1 = NONE
		:: else -> fq1 = NONE
		fi
	:: else ->
		if
		:: pq0 == r -> pq0 = pq1; pq1 = NONE
		:: else -> pq1 = NONE
		fi
	fi;
#ifndef STALE_SCAN
	plainFrom = 0; fullFrom = 0      /* rescan */
#endif
}

inline enqueue(r) {
#ifndef FULL_PASSES_OLDER
	older[0*3+r] = (pq0 == 0 || pq1 == 0 || fq0 == 0 || fq1 == 0);
	older[1*3+r] = (pq0 == 1 || pq1 == 1 || fq0 == 1 || fq1 == 1);
	older[2*3+r] = (pq0 == 2 || pq1 == 2 || fq0 == 2 || fq1 == 2);
#endif
	if
	:: rFull[r] ->
		if :: fq0 == NONE -> fq0 = r :: else -> fq1 = r fi;
		gF++
	:: else ->
		if :: pq0 == NONE -> pq0 = r :: else -> pq1 = r fi;
		gP++
	fi
}

/* admitHeld with the admission rule cond(m) */
inline admitOne(m, cond) {
	if
	:: inHeld[m] && (cond) ->
		st[m] = RUN; inHeld[m] = false; heldFrom[m] = 0;
		sDone[m] = true; sTok[m] = true;     /* signal */
		plainFrom = 0; fullFrom = 0
	:: else
	fi
}

/* grant(r): r is sr, the head that the scan found unblocked.  A grant
 * made by the requester's own first schedule (req.asking: ret == R_AWAIT)
 * sends no signal: the requester sees it under mu. */
inline GRANT(r) {
	unqueue(r);
	owner = r;
	gG = true;
	if :: rFull[r] -> gF-- :: else -> gP-- fi;
	if :: r != O -> st[r] = rMode[r] :: else fi;
	if
	:: r == me && ret == R_AWAIT
	:: else -> rDone[r] = true; rTok[r] = true     /* signal */
	fi
}

/* releaseLocked's first part: the gate.And and the admissions */
inline RELEASE(r) {
	owner = NONE;
	gG = false; sfp = gF > 0;
	admitOne(B, heldFrom[B] == HARMLESS || rFull[r] || !sfp);
	admitOne(A, heldFrom[A] == HARMLESS || rFull[r] || !sfp);
	sfp = false
}

/* hold(s, from) for member m */
inline HOLD(m, f) {
	heldFrom[m] = f; sDone[m] = false; inHeld[m] = true; hm[m] = true
}

/* leave schedule: reset the scratch, release mu, return through ret */
inline EXIT_BODY(me) {
	sgot = wants[me] && owner == me;
	if
	:: ret == R_AWAIT && !sgot -> rDone[me] = false   /* req.arm() */
	:: else
	fi;
	sfb = NONE; sfs = 0; spb = NONE; sps = 0; sr = NONE;
	sa0 = false; sa1 = false;
	ph = P_EXIT;
	UNLOCK(me);
	if
	:: ret == R_ENTER -> ret = 0; goto r_enter
	:: ret == R_RESUME -> ret = 0; goto r_resume
	:: ret == R_AWAIT -> ret = 0; goto r_await
	:: ret == R_RELEASE -> ret = 0; goto r_release
	:: ret == R_ABANDON -> ret = 0; goto r_abandon
	:: ret == R_LEAVE -> ret = 0; goto join
	:: ret == R_JOIN -> ret = 0; goto r_join
	fi
}

/* the active.Load of the scan for the plain head */
inline PLAIN_LOAD() {
	ph = P_PSCAN; spb = NONE;
	sa0 = act[0] && plainFrom == 0 && pq0 != 0;
	sa1 = act[1] && pq0 != 1
}

inline HEADS_BODY(me) {
	sfb = NONE; spb = NONE;
	if
	:: fq0 == NONE && pq0 == NONE -> EXIT_BODY(me)
	:: fq0 != NONE ->
		ph = P_FSCAN;
		sa0 = act[0] && fullFrom == 0 && fq0 != 0;
		sa1 = act[1] && fq0 != 1
	:: else -> PLAIN_LOAD()
	fi
}

inline START_BODY(me) {
	if
	:: owner != NONE -> EXIT_BODY(me)
	:: else
	fi;
	if
	:: (inHeld[B] && !holds(heldFrom[B])) || (inHeld[A] && !holds(heldFrom[A])) ->
		admitOne(B, !holds(heldFrom[B]));
		admitOne(A, !holds(heldFrom[A]));
		ph = P_HEADS
	:: else -> HEADS_BODY(me)
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

/* schedule, then Unlock.  The caller sets ph = P_START; lk if mu must be
 * taken first (kick, resumeSlow), pre for resumeSlow's hold decision. */
inline schedLoop(me) {
	do
	:: atomic { ph == P_START && (!lk || HAS_LOCK(me)) ->
		if
		:: lk -> mu = me; lk = false;
			if
			:: pre ->      /* resumeSlow: held if the gate holds it */
				pre = false;
				h = (owner != me) && holds(s);
				if
				:: h -> st[me] = s; HOLD(me, s)
				:: else
				fi
			:: else
			fi
		:: else
		fi;
		START_BODY(me)
	   }
	:: atomic { ph == P_HEADS -> HEADS_BODY(me) }
	/* full head: scan for a member that is not idle */
	:: atomic { ph == P_FSCAN && sa0 -> sa0 = false;
		if
		:: (st[0] & IDLE) != IDLE -> sfb = 0; sfs = st[0]; fullFrom = 0; sa1 = false
		:: else
		fi }
	:: atomic { ph == P_FSCAN && !sa0 && sa1 -> sa1 = false;
		if
		:: (st[1] & IDLE) != IDLE -> sfb = 1; sfs = st[1]; fullFrom = 1
		:: else
		fi }
	:: atomic { ph == P_FSCAN && !sa0 && !sa1 && sfb == NONE && !PLAIN_OLDER ->
		sr = fq0; GRANT(sr); EXIT_BODY(me) }
#ifndef FULL_PASSES_OLDER
	/* the full head is eligible, but an older plain head goes first */
	:: atomic { ph == P_FSCAN && !sa0 && !sa1 && sfb == NONE && PLAIN_OLDER ->
		PLAIN_LOAD() }
#endif
#ifndef STRICT_FULL
	:: atomic { ph == P_FSCAN && !sa0 && !sa1 && sfb != NONE && pq0 != NONE ->
		PLAIN_LOAD() }
	:: atomic { ph == P_FSCAN && !sa0 && !sa1 && sfb != NONE && pq0 == NONE ->
#else
	:: atomic { ph == P_FSCAN && !sa0 && !sa1 && sfb != NONE ->
#endif
		WATCH(sfb, sfs, kk);
		if :: kk -> kk = false; EXIT_BODY(me) :: else -> ph = P_START fi }
	/* plain head: scan for a member that is running */
	:: atomic { ph == P_PSCAN && sa0 -> sa0 = false;
		if
		:: (st[0] & HARMLESS) != HARMLESS -> spb = 0; sps = st[0]; plainFrom = 0; sa1 = false
		:: else
		fi }
	:: atomic { ph == P_PSCAN && !sa0 && sa1 -> sa1 = false;
		if
		:: (st[1] & HARMLESS) != HARMLESS -> spb = 1; sps = st[1]; plainFrom = 1
		:: else
		fi }
	:: atomic { ph == P_PSCAN && !sa0 && !sa1 && spb == NONE ->
		sr = pq0; GRANT(sr); EXIT_BODY(me) }
	:: atomic { ph == P_PSCAN && !sa0 && !sa1 && spb != NONE ->
		if
		:: sfb != NONE && !(sfs & W) ->      /* watch(full blocker) first */
			WATCH(sfb, sfs, kk);
			if
			:: kk && (sps & W) -> kk = false; EXIT_BODY(me)
			:: kk && !(sps & W) -> kk = false; ph = P_WATCHP
			:: else -> ph = P_START
			fi
		:: else ->
			WATCH(spb, sps, kk);
			if :: kk -> kk = false; EXIT_BODY(me) :: else -> ph = P_START fi
		fi }
	:: atomic { ph == P_WATCHP ->
		WATCH(spb, sps, kk);
		if :: kk -> kk = false; EXIT_BODY(me) :: else -> ph = P_START fi }
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

/* Member.enter's Swap (Harmless, Idle): the member stops running its own
 * code (and, for idle, holds no references); kk is the watched flag seen */
inline ENTER_SWAP(m, v) {
	userRun[m] = false;
	if :: v == IDLE -> injob[m] = false :: else fi;
	kk = (st[m] >= W); st[m] = v; s = v
}

/* Member.isolate's part under mu, then awaitGrant's arm and enqueue */
inline ISOLATE_BODY(me, isFull) {
	mu = me;
	if
	:: me != O ->
		userRun[me] = false;
		rMode[me] = RUN;
		if
		:: isFull -> st[me] = IDLE; injob[me] = false
		:: else -> st[me] = HARMLESS
		fi
	:: else
	fi;
	rFull[me] = isFull;
	enqueue(me);                 /* gate.Add */
	wants[me] = true;
	ph = P_START; lk = false; ret = R_AWAIT
}

active [3] proctype G() {
	byte me = _pid;
	byte ph, s, ret;
	bool lk, pre, kk, slow, h, sgot, got, cs, pk, fl;

	if
	:: me != O -> goto join      /* both members Join first */
	:: else -> goto loop
	fi;

loop:
	if
	/* a Harmless scope, an Idle scope, or Idle for good (pk: the member
	 * blocks in it forever, and nobody wakes it).  Not Harmless for good:
	 * a full request would then rightly wait forever, which the search
	 * could not tell from a deadlock. */
	:: atomic { me != O -> ENTER_SWAP(me, HARMLESS) }; goto entered
	:: atomic { me != O -> ENTER_SWAP(me, IDLE) }; goto entered
	:: atomic { me != O -> pk = true; ENTER_SWAP(me, IDLE) }; goto entered
	/* Isolate (A, O) and IsolateFull (B, O), from running; cxr: through
	 * IsolateContext / IsolateFullContext, whose ctx may end at any time */
#ifndef LTL
	:: atomic { mu == NONE && me != B -> ISOLATE_BODY(me, false) }; goto sched
	:: atomic { mu == NONE && me != B -> cxr[me] = true; ISOLATE_BODY(me, false) }; goto sched
	:: atomic { mu == NONE && me != A -> ISOLATE_BODY(me, true) }; goto sched
	:: atomic { mu == NONE && me != A -> cxr[me] = true; ISOLATE_BODY(me, true) }; goto sched
#else
	:: atomic { me != B -> LOCK(me) }; goto liso
	:: atomic { me != B -> cxr[me] = true; LOCK(me) }; goto liso
	:: atomic { me != A -> fl = true; LOCK(me) }; goto liso
	:: atomic { me != A -> cxr[me] = true; fl = true; LOCK(me) }; goto liso
#endif
	/* Leave (B): vacate: Swap(idle), active.And, kick if watched */
	:: atomic { me == B -> userRun[me] = false; injob[me] = false;
			kk = (st[me] >= W); st[me] = IDLE };
		act[me] = false;
		if
		:: kk -> kk = false; lk = true; ph = P_START; ret = R_LEAVE; goto LSCHED
		:: else -> goto join
		fi
	/* the outsider stops */
	:: me == O -> goto end_stop
	fi;

#ifdef LTL
liso:
	atomic { HAS_LOCK(me) -> ISOLATE_BODY(me, fl); fl = false };
	goto sched;
#endif

	/* Join (B): claim; activate: Swap(idle), kick if watched, active.Or;
	 * then resume from idle */
join:
	atomic { kk = (st[me] >= W); st[me] = IDLE; s = IDLE };
	if
	:: kk -> kk = false; lk = true; ph = P_START; ret = R_JOIN; goto LSCHED
	:: else
	fi;
r_join:
	act[me] = true;
	goto resume;

	/* Member.enter: kick if the Swap found the watched flag */
entered:
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

	/* the end func / resume: Swap(running), load the gate, slow path.
	 * s is the state the member leaves; cs: inside its own section */
resume:
	atomic { slow = (st[me] >= W); st[me] = RUN };
#ifndef NO_DEKKER
	atomic { slow = slow || holds(s);
#else
	atomic {
#endif
		if :: !slow && !cs -> RUNS(me); s = 0; goto loop
		   :: !slow && cs -> s = 0; goto release
		   :: else -> slow = false; lk = true; pre = true; ph = P_START; ret = R_RESUME
		fi };
	goto LSCHED;
r_resume:
	if :: h -> h = false; slotWait(me) :: else fi;
	if
	:: atomic { !cs -> RUNS(me); s = 0 }; goto loop
	:: atomic { cs -> s = 0 }; goto release
	fi;

	/* awaitGrant after schedule: granted at once, or wait (cancellable) */
r_await:
	if
	:: atomic { sgot -> sgot = false; got = true; wants[me] = false; cxr[me] = false; ENTER_CS(me) }
	:: else ->
		do
		:: atomic { rDone[me] -> got = true; WOKE(me); ENTER_CS(me) }; break
		:: else ->
			if
			:: atomic { rTok[me] -> rTok[me] = false }
			:: atomic { cxr[me] -> cxr[me] = false; got = rDone[me];
				if :: got -> WOKE(me); ENTER_CS(me) :: else fi }; break
			fi
		od
	fi;
	if
	:: got -> got = false
	:: else -> goto abandon
	fi;

	/* the isolated section: A opens a harmless scope in it */
	if
	:: me == A -> atomic { cs = true; ENTER_SWAP(me, HARMLESS) }; goto entered
	:: true
	fi;

	/* release: releaseMember / releaseOutsider, then releaseLocked */
release:
	LOCK(me)
	atomic { HAS_LOCK(me) -> mu = me; cs = false; ncs--; RELEASE(me);
		ph = P_START; lk = false; ret = R_RELEASE };
	goto sched;
r_release:
#ifdef RELEASE_BUG
	/* the seed's release returns with the harmless bit still set (it
	 * was ORed in by thread_harmless_till_end) */
	if :: me != O -> st[me] = st[me] | HARMLESS :: else fi;
#endif
	if
	:: me != O -> atomic { RUNS(me) }
	:: else
	fi;
	goto loop;

	/* awaitGrant's abandon path: wait returned false */
abandon:
	LOCK(me)
	atomic { HAS_LOCK(me) -> mu = me; wants[me] = false; lk = false;
		if
		:: owner == me ->            /* granted as ctx ended: roll back */
			rDone[me] = false; rTok[me] = false;   /* dead (see WOKE) */
			RELEASE(me); ph = P_START; ret = R_ABANDON
		:: else ->                   /* withdrawLocked */
			unqueue(me);
			if :: rFull[me] -> gF-- :: else -> gP-- fi;
			if
			:: me != O && rMode[me] == RUN && owner != NONE ->
				st[me] = HARMLESS; HOLD(me, HARMLESS); h = true
			:: me != O && !(rMode[me] == RUN && owner != NONE) ->
				st[me] = rMode[me]
			:: else
			fi;
#ifdef ABANDON_NO_WAKE
			UNLOCK(me); goto r_abandon
#else
			ph = P_START; ret = R_ABANDON
#endif
		fi };
	goto sched;
r_abandon:
	if :: h -> h = false; slotWait(me) :: else fi;
	if
	:: me != O -> atomic { RUNS(me) }   /* its mode was running */
	:: else
	fi;
	goto loop;

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
 * that each member is idle (in an Idle scope, waiting in a full request,
 * idle for good, or not joined) infinitely often.
 *
 *   plainA  A's plain request is granted (or abandoned).
 *   plainO  O's plain request is granted (or abandoned), if eventually no
 *           member abandons requests.  The earlier rule (FULL_PASSES_OLDER)
 *           fails it: see README.md, "Finding".
 *   fullO   O's full request is granted (or abandoned).
 *   fullB   B's full request is granted (or abandoned).
 *   heldA   A, held back by an isolation, runs again.
 *   heldB   B, held back by an isolation, runs again.
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
#endif
