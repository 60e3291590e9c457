/*
 * combine.pml: a Promela model of combined sections (combine.go: Member.Do
 * and Isolator.Do), on top of the isolation's specification.  check.sh runs
 * it with isolate.pml's checks; README.md maps each step to the Go code.
 *
 * The isolation a combiner takes is an ordinary one (Member.Isolate's or
 * Isolator.Isolate's protocol, unchanged), which isolate.pml checks.  Here
 * it is its specification, one step each way:
 *   grant:   granted to r when no isolation is in progress and no member
 *            other than r runs (the member r, waiting, counts as harmless
 *            and gets its previous state back with the grant);
 *   release: the isolation ends;
 *   resume:  a member ending a harmless scope runs again only while no
 *            isolation is in progress.
 * (Phase fairness, queues and wake-ups of the isolation are isolate.pml's
 * business; they do not change which interleavings are possible here.)
 *
 * Goroutines: members M0 and M1, outsider O (proctype Caller).  Each makes
 * CALLS Do calls, a member from running (its waiting counts as harmless).
 * Everything combine.go does under combiner.mu is one atomic step; the
 * section's run, the grant, the release and each signal are steps of their
 * own.  The bound on an isolation's sections, maxCombined, is LIMIT = 2
 * here, so that handoffs happen.  Not modelled: panics (a section that
 * panics is, to the protocol, one that ran), runtime.Goexit (abandon), a
 * member's Do from inside its own isolation (it calls f, nothing more),
 * the pool of outsiders' sections.
 *
 * Properties (safety run; every execution is finite):
 *   GRANT_OK   every section runs while its combiner holds the isolation;
 *   EXCL_OK    no member other than the combiner runs while a section
 *              does;
 *   ORDER_OK   sections run in the order of their Do calls (their
 *              tickets), each once;
 *   RETURN_OK  a Do returns only after its own section ran;
 *   invalid end states: a caller that waits for ever (a section left in
 *   the queue with nobody combining, a lost signal).
 *
 * Mutants (-D...), each must fail:
 *   EARLY_SIGNAL   the combiner signals the callers of a batch when it
 *                  takes the batch, before their sections run
 *   FIRST_UNGRANTED the combiner runs its own section before its isolation
 *                  is granted (a fast path that skips the rendez-vous)
 *   NO_HANDOFF     at the bound, the combiner clears combining (active) instead of
 *                  handing the queue over: queued callers wait for a Do
 *                  that may never come
 *   LIFO           a batch runs newest first
 * Witness (-DWITNESS_HANDOFF): an assert(false) in the handoff, which the
 * safety run must reach (the bound is hit, the handoff is checked).
 */

#define NM 2           /* members: callers 0 .. NM-1 */
#define NC 3           /* callers: the members and the outsider O */
#define O 2
#define NONE 255
#define CALLS 3
#define LIMIT 2

#define RUN 0
#define HARMLESS 1
#define LEFT 2

byte grant = NONE;              /* who holds the isolation */
byte mstate[NM];                /* the members' state words (RUN at start) */

/* combiner.mu's state */
byte q[NC];                     /* the queue, circular: q[qh], ... */
byte qh, ql;
bool combining;                 /* combiner.active */
byte tickets;                   /* Do calls queued so far */

/* per caller: its section */
bool done[NC];                  /* the waiter's done flag (signaled) */
bool comb[NC];                  /* told to take over combining */
bool ran[NC];                   /* its section ran */
byte ticket[NC];                /* its place in arrival order */

byte nextRun;                   /* the ticket of the next section to run */

/* no member other than r runs */
#define OTHERS_HARMLESS(r) ((r == 0 || mstate[0] != RUN) && (r == 1 || mstate[1] != RUN))

inline RUN_SECTION(me, s) {
	atomic {
		assert(grant == me);                            /* GRANT_OK */
		assert(OTHERS_HARMLESS(me));                    /* EXCL_OK */
		assert(ticket[s] == nextRun && !ran[s]);        /* ORDER_OK */
		nextRun++;
		ran[s] = true
	}
}

/* COMBINE: Member.combine / Isolator.combine and combiner.run: take one
 * isolation, run batches until the queue is empty or LIMIT sections ran,
 * hand over if the queue is not empty, release, signal. */
inline COMBINE(me) {
	/* acquire: a member waits harmless, and gets its state back */
	if
	:: me < NM -> prev = mstate[me]; mstate[me] = HARMLESS
	:: else -> skip
	fi;
	atomic {
		grant == NONE && OTHERS_HARMLESS(me) ->
		grant = me;
		if
		:: me < NM -> mstate[me] = prev
		:: else -> skip
		fi
	}
	cnt = 0; dl = 0; nxt = NONE;
	do
	:: atomic {                     /* under combiner.mu */
		if
		:: ql == 0 ->
			combining = false; more = false
		:: ql > 0 && cnt >= LIMIT ->
#ifndef NO_HANDOFF
			nxt = q[qh]; comb[nxt] = true;
#ifdef WITNESS_HANDOFF
			assert(false);
#endif
#else
			combining = false;
#endif
			more = false
		:: else ->                  /* take the whole queue */
			bl = 0;
			do
			:: ql > 0 ->
				b[bl] = q[qh]; bl++;
				qh = (qh + 1) % NC; ql--
			:: else -> break
			od;
			more = true
		fi
	   }
	   if
	   :: !more -> break
	   :: else -> skip
	   fi;
#ifdef EARLY_SIGNAL
	   bi = 0;
	   do
	   :: bi < bl -> if :: b[bi] != me -> done[b[bi]] = true :: else -> skip fi; bi++
	   :: else -> break
	   od;
#endif
	   bi = 0;
	   do
	   :: bi < bl ->
#ifndef LIFO
		s = b[bi];
#else
		s = b[bl - 1 - bi];
#endif
		if
		:: s == me && firstDone -> skip   /* FIRST_UNGRANTED: ran already */
		:: else -> RUN_SECTION(me, s)
		fi;
		if
		:: s != me -> dn[dl] = s; dl++
		:: else -> skip
		fi;
		cnt++; bi++
	   :: else -> break
	   od
	od;
	grant = NONE;                   /* release */
	/* wake: the callers whose sections ran, then the next combiner */
	bi = 0;
	do
	:: bi < dl -> done[dn[bi]] = true; bi++
	:: else -> break
	od;
	if
	:: nxt != NONE -> done[nxt] = true
	:: else -> skip
	fi
}

proctype Caller(byte me) {
	byte calls, prev, cnt, dl, nxt, bl, bi, s;
	bool c, more, firstDone;
	byte b[NC];
	byte dn[2 * NC];
	do
	:: calls < CALLS ->
		/* enqueue, under combiner.mu */
		atomic {
			done[me] = false; comb[me] = false; ran[me] = false;
			ticket[me] = tickets; tickets++;
			q[(qh + ql) % NC] = me; ql++;
			c = !combining; combining = true
		}
		firstDone = false;
		if
		:: c ->
#ifdef FIRST_UNGRANTED
			s = me;
			RUN_SECTION(me, s);
			firstDone = true;
#endif
			COMBINE(me)
		:: else ->
			/* wait, a member in a harmless scope */
			if
			:: me < NM -> mstate[me] = HARMLESS
			:: else -> skip
			fi;
			done[me];
			if
			:: comb[me] -> COMBINE(me)
			:: else -> skip
			fi;
			/* the scope's end: runs again once no isolation is in progress */
			if
			:: me < NM -> atomic { grant == NONE -> mstate[me] = RUN }
			:: else -> skip
			fi
		fi;
		assert(ran[me]);                                /* RETURN_OK */
		calls++
	:: else -> break
	od;
	if
	:: me < NM -> mstate[me] = LEFT                 /* Leave */
	:: else -> skip
	fi
}

init {
	atomic {
		run Caller(0);
		run Caller(1);
		run Caller(O)
	}
}
