/*
 * runner_spread.c - `bpfvm run --threads N` over a mapped pcap file: N
 * workers and no other thread in the way of a packet.
 *
 * The capture is cut into chunks of CHUNK records. A worker that needs a
 * chunk nobody has read yet reads it: it walks the chunk's record headers
 * in the mapping and hashes each record's flow as it goes (one pass: the
 * hashing hides the wait for the next header, which only this record's
 * length locates). Walking the records must go in the capture's order,
 * so one worker at a time does it, under the "index" token; the others
 * run meanwhile. Then every worker runs the records of the chunk that are
 * its own (runner_flow_worker of the hash), in the capture's order, as
 * CPU w (its per-CPU map slots), and counts what it ran in its own
 * counters, summed at the end. So reading and hashing are shared out
 * like the runs (whoever needs the next chunk first reads it), and each
 * packet is touched by one or two cores.
 *
 * (The reader could also run its own records as it reads them, while
 * they are in its cache: less CPU time in all, but the reader, with the
 * most work, then reaches the next chunk first every time and reads them
 * all, and the others wait for it: slower on free cores. See
 * docs/runner.md.)
 *
 * Only when output captures are written does a worker keep what each of
 * its packets became (runner_keep: verdict, the packet as the program left
 * it); the worker that completes a chunk (the last to run it; chunks
 * complete in order, as every worker takes them in order) writes it, in
 * the capture's order, so the files are those of one thread byte for
 * byte.
 *
 * RING chunks are in memory at most: a worker reads ahead while the
 * others finish, up to RING chunks past the oldest chunk some worker has
 * not run (and written) yet. Counts come out as with one thread: redirect
 * targets are counted per worker with the record that first named them,
 * and merged in that order; the first failed run is the one with the
 * lowest record number over the workers.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner_impl.h"

/* Records per chunk: enough that the lock taken per chunk costs nothing
 * per packet, few enough that a chunk's packets are still in the cache
 * when the other workers run theirs. */
#define CHUNK 1024
/* Chunks held at once, which is how far the first worker may run ahead
 * of the last: far enough to ride out a worker that the scheduler
 * leaves off its CPU for a while (the records stay in the mapping, so a
 * chunk is only their headers and pointers). When outputs are written,
 * chunks also hold what the workers made of the packets (up to
 * RUNNER_BATCH_BYTES of records each): fewer, then. */
#define RING 64
/* Chunks read ahead of the one a worker is about to run (next_chunk). */
#define AHEAD 4
#define RING_WRITING 4
/* Distinct redirect targets one worker tells apart (more: "other"). */
#define WORKER_TARGETS 1024

/* Each chunk on cache lines of its own: the worker reading one into the
 * ring must not disturb the others running the one next to it. */
struct chunk {
	uint64_t seq;                 /* the chunk number it holds */
	uint64_t first;               /* the number of its first record, from 1 */
	size_t n;                     /* records */
	bool ready;                   /* indexed and hashed */
	unsigned done;                /* workers that ran it */
	/* Per record, no more than the workers need, as they read it from
	 * the cache of the core that wrote it: where its bytes start in the
	 * mapping (base + off; its header is just before, runner_record_hdr)
	 * and its worker. */
	const uint8_t *base;
	uint32_t *off;
	uint32_t *caplen, *len;       /* the header's, so that a worker on
				       * another core need not read it again */
	uint8_t *dest;
	struct runner_slot *slots;    /* per record, when writing */
	struct runner_part *part;     /* per worker, when writing */
} __attribute__((aligned(64)));

/* A redirect target as one worker counted it. */
struct wtarget {
	char name[80];
	uint64_t count, first;        /* the record that first named it */
};

/* One worker's counts. */
struct wstats {
	struct runner_stats st;       /* verdicts, run_errors, unknown, truncated */
	struct wtarget *t;
	size_t nt;
	uint64_t t_other;             /* over WORKER_TARGETS */
	uint64_t fail_record;         /* its first failed run, or 0 */
	struct bpfvm_error fail_err;
};

struct spread {
	const struct bpfvm_prog *prog;
	const struct runner_hook *hook;
	const struct runner_opts *o;
	struct runner_capture *c;
	struct runner_outputs *out;
	struct runner_progress *pr;
	unsigned n;                   /* workers */
	bool writing;
	bool write[RUNNER_MAX_VERDICTS];

	pthread_mutex_t lock;
	pthread_cond_t cond;          /* any change below */
	struct chunk *ring;
	unsigned ring_n;
	uint64_t next_index;          /* the next chunk to read */
	uint64_t indexed;             /* records read */
	bool indexing;                /* a worker holds the index token */
	uint64_t end;                 /* chunks in the capture, once known */
	uint64_t completed;           /* chunks every worker has run */
	uint64_t written;             /* chunks written (or, not writing, retired) */
	bool writer;                  /* a worker is writing */
	uint64_t packets;             /* run so far, for the progress line */
	bool failed;                  /* stop: an error, printed */
};

struct sworker {
	struct spread *s;
	unsigned id;
	pthread_t thread;
	uint8_t *buf;
	size_t size;
	struct wstats ws;
};

static void count_wtarget(struct wstats *ws, const char *name, uint64_t record)
{
	for (size_t i = 0; i < ws->nt; i++)
		if (!strcmp(ws->t[i].name, name)) {
			ws->t[i].count++;
			return;
		}
	if (ws->nt == WORKER_TARGETS) {
		ws->t_other++;
		return;
	}
	struct wtarget *t = &ws->t[ws->nt++];
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->count = 1;
	t->first = record;
}

/*
 * Read chunk seq from the capture (the caller holds the lock and has
 * taken the index token; it holds the lock again on return). The headers
 * are walked under the token; the flows are hashed after it is given
 * back, so that another worker can read the next chunk meanwhile.
 */
static void prepare(struct spread *s, uint64_t seq)
{
	struct chunk *k = &s->ring[seq % s->ring_n];
	k->seq = seq;
	k->ready = false;
	k->done = 0;
	k->first = s->indexed + 1;
	k->n = 0;
	pthread_mutex_unlock(&s->lock);

	struct pcap_pkthdr *h;
	const u_char *data;
	size_t bytes = 0, n = 0;
	int r = 1;
	/* Only the arrays are written per record; the chunk itself once, at
	 * the end (the other workers read their chunks' fields all along). */
	while (n < CHUNK && bytes < (s->writing ? RUNNER_BATCH_BYTES : SIZE_MAX) &&
	       (r = runner_capture_next(s->o, s->c, k->first + n, &h, &data)) == 1) {
		if (!n)
			k->base = data;
		/* a chunk spans at most CHUNK records of 256 KiB and headers */
		k->off[n] = (uint32_t)(data - k->base);
		k->caplen[n] = h->caplen;
		k->len[n] = h->len;
		k->dest[n] = (uint8_t)runner_flow_worker(runner_flow_hash(data, h->caplen), s->n);
		bytes += h->caplen;
		n++;
	}
	k->n = n;

	pthread_mutex_lock(&s->lock);
	s->indexing = false;
	if (r < 0) {
		s->failed = true; /* printed by runner_capture_next */
		pthread_cond_broadcast(&s->cond);
		return;
	}
	s->indexed += k->n;
	s->next_index = seq + 1;
	if (r == 0)
		s->end = k->n ? seq + 1 : seq;
	k->ready = true;
	pthread_cond_broadcast(&s->cond);
}

/* Wait until chunk seq is ready, reading chunks on the way when nobody
 * else is; the lock is held. Returns the chunk, or NULL at the end or
 * when the run stops. */
static struct chunk *next_chunk(struct spread *s, uint64_t seq)
{
	for (;;) {
		if (s->failed || seq >= s->end)
			return NULL;
		struct chunk *k = &s->ring[seq % s->ring_n];
		bool ready = seq < s->next_index && k->seq == seq && k->ready;
		/* Read ahead, but never into a slot a worker may still use; and
		 * keep AHEAD chunks read in front of the one about to run, so
		 * that the others find their next chunk ready instead of
		 * sleeping until the reader is done (a wakeup costs more than
		 * a chunk's reading on this kind of machine). */
		if (!s->indexing && s->next_index < s->end && s->next_index < s->written + s->ring_n &&
		    (!ready || s->next_index < seq + AHEAD)) {
			s->indexing = true;
			prepare(s, s->next_index);
			continue;
		}
		if (ready)
			return k;
		pthread_cond_wait(&s->cond, &s->lock);
	}
}

/* Run the worker's records of chunk k; returns the packets run. */
static size_t run_chunk(struct sworker *w, struct chunk *k)
{
	struct spread *s = w->s;
	struct wstats *ws = &w->ws;
	struct runner_part *wp = s->writing ? &k->part[w->id] : NULL;
	struct runner_packet p;
	struct runner_result res;
	struct bpfvm_error spare;
	size_t ran = 0;
	if (wp) {
		wp->out_len = 0;
		wp->failed = false;
		wp->oom = 0;
	}
	for (size_t i = 0; i < k->n; i++) {
		if (k->dest[i] != w->id)
			continue;
		ran++;
		const uint8_t *data = k->base + k->off[i];
		runner_packet_set(&p, w->buf, w->size, data, k->caplen[i], k->len[i], w->id);
		runner_result_clear(&res);
		uint64_t record = k->first + i;
		struct bpfvm_error *err = ws->fail_record ? &spare : &ws->fail_err;
		bool failed = s->hook->run(s->prog, s->o, &p, &res, err) != 0;
		if (failed) {
			if (!ws->fail_record)
				ws->fail_record = record;
			ws->st.run_errors++;
			res.verdict = s->hook->error_verdict;
		} else {
			if (res.target[0])
				count_wtarget(ws, res.target, record);
			ws->st.unknown += res.unknown;
			ws->st.truncated += res.truncated;
		}
		ws->st.verdicts[res.verdict]++;
		if (wp)
			runner_keep(wp, &k->slots[i], &p, &res, failed, s->write);
	}
	return ran;
}

/* Write chunk k's records in the capture's order (the writer token held,
 * not the lock). Returns 0, or -1 when a worker ran out of memory. */
static int write_chunk(struct spread *s, struct chunk *k)
{
	for (unsigned i = 0; i < s->n; i++)
		if (k->part[i].oom) {
			fprintf(stderr, "bpfvm %s: %s\n", RUNNER_CMD(s->o),
				strerror(k->part[i].oom));
			return -1;
		}
	for (size_t i = 0; i < k->n; i++) {
		const struct runner_slot *sl = &k->slots[i];
		unsigned v = sl->verdict;
		if (!s->out->d[v])
			continue;
		struct pcap_pkthdr h;
		runner_record_hdr(s->c, k->base + k->off[i], &h);
		runner_write_out(s->out, v, &h, k->part[k->dest[i]].out + sl->out, sl->out_len,
				 sl->out_wire_len);
	}
	return 0;
}

/* Chunk k has been run by one more worker (the lock held): when by all,
 * it is complete; the completing worker writes what is complete and not
 * written yet, in order, unless another worker is writing already. */
static void chunk_done(struct spread *s, struct chunk *k, size_t ran)
{
	s->packets += ran;
	if (++k->done < s->n)
		return;
	s->completed = k->seq + 1;
	runner_progress_at(s->o, s->packets, s->pr);
	if (!s->writing) {
		s->written = s->completed;
		pthread_cond_broadcast(&s->cond);
		return;
	}
	if (s->writer)
		return; /* it will take this one too */
	s->writer = true;
	while (s->written < s->completed && !s->failed) {
		struct chunk *wk = &s->ring[s->written % s->ring_n];
		pthread_mutex_unlock(&s->lock);
		int rc = write_chunk(s, wk);
		pthread_mutex_lock(&s->lock);
		if (rc)
			s->failed = true;
		s->written++;
		pthread_cond_broadcast(&s->cond);
	}
	s->writer = false;
}

static void *worker_main(void *arg)
{
	struct sworker *w = arg;
	struct spread *s = w->s;
	pthread_mutex_lock(&s->lock);
	for (uint64_t seq = 0;; seq++) {
		struct chunk *k = next_chunk(s, seq);
		if (!k)
			break;
		pthread_mutex_unlock(&s->lock);
		size_t ran = run_chunk(w, k);
		pthread_mutex_lock(&s->lock);
		chunk_done(s, k, ran);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

static int cmp_first(const void *x, const void *y)
{
	const struct wtarget *a = x, *b = y;
	return a->first < b->first ? -1 : a->first > b->first;
}

/* Sum the workers' counts into st, as one thread would have counted. */
static int merge(struct spread *s, struct sworker *w, struct runner_stats *st)
{
	size_t total = 0;
	for (unsigned i = 0; i < s->n; i++)
		total += w[i].ws.nt;
	struct wtarget *all = calloc(total ? total : 1, sizeof(*all));
	if (!all) {
		fprintf(stderr, "bpfvm %s: %s\n", RUNNER_CMD(s->o), strerror(ENOMEM));
		return -1;
	}
	size_t na = 0;
	const struct wstats *first_fail = NULL;
	for (unsigned i = 0; i < s->n; i++) {
		const struct wstats *ws = &w[i].ws;
		for (unsigned v = 0; v < RUNNER_MAX_VERDICTS; v++)
			st->verdicts[v] += ws->st.verdicts[v];
		st->run_errors += ws->st.run_errors;
		st->unknown += ws->st.unknown;
		st->truncated += ws->st.truncated;
		st->other_targets += ws->t_other;
		if (ws->fail_record && (!first_fail || ws->fail_record < first_fail->fail_record))
			first_fail = ws;
		/* the same target named by several workers: one entry, from
		 * the record that named it first */
		for (size_t t = 0; t < ws->nt; t++) {
			size_t j = 0;
			while (j < na && strcmp(all[j].name, ws->t[t].name))
				j++;
			if (j == na)
				all[na++] = ws->t[t];
			else {
				all[j].count += ws->t[t].count;
				if (ws->t[t].first < all[j].first)
					all[j].first = ws->t[t].first;
			}
		}
	}
	qsort(all, na, sizeof(*all), cmp_first);
	for (size_t j = 0; j < na; j++) {
		if (st->n_targets == RUNNER_MAX_TARGETS) {
			st->other_targets += all[j].count;
			continue;
		}
		snprintf(st->targets[st->n_targets], sizeof(st->targets[0]), "%s", all[j].name);
		st->target_count[st->n_targets++] = all[j].count;
	}
	free(all);
	if (first_fail)
		runner_report_failure(s->o, s->hook, first_fail->fail_record, &first_fail->fail_err);
	st->packets = s->indexed;
	return 0;
}

static void chunk_free(struct chunk *k, unsigned n)
{
	if (k->part)
		for (unsigned i = 0; i < n; i++)
			free(k->part[i].out);
	free(k->part);
	free(k->slots);
	free(k->off);
	free(k->caplen);
	free(k->len);
	free(k->dest);
}

static int chunk_alloc(struct chunk *k, unsigned n, bool writing)
{
	k->seq = UINT64_MAX;
	k->off = malloc(CHUNK * sizeof(*k->off));
	k->caplen = malloc(CHUNK * sizeof(*k->caplen));
	k->len = malloc(CHUNK * sizeof(*k->len));
	k->dest = malloc(CHUNK);
	if (!k->off || !k->caplen || !k->len || !k->dest)
		return -1;
	if (!writing)
		return 0;
	k->slots = calloc(CHUNK, sizeof(*k->slots));
	k->part = calloc(n, sizeof(*k->part));
	return k->slots && k->part ? 0 : -1;
}

int runner_run_spread(const struct bpfvm_prog *prog, const struct runner_hook *hook,
		      const struct runner_opts *o, struct runner_stats *st,
		      struct runner_capture *c, struct runner_outputs *out,
		      struct runner_progress *pr)
{
	struct spread s = { .prog = prog, .hook = hook, .o = o, .c = c, .out = out, .pr = pr,
			    .n = o->threads, .end = UINT64_MAX };
	_Static_assert(RUNNER_MAX_THREADS <= 256, "a record's worker is a byte");
	for (unsigned v = 0; v < hook->n_verdicts; v++) {
		s.write[v] = out->d[v] != NULL;
		s.writing |= s.write[v];
	}
	pthread_mutex_init(&s.lock, NULL);
	pthread_cond_init(&s.cond, NULL);
	int ret = -1;
	unsigned started = 0;
	struct sworker *w = calloc(s.n, sizeof(*w));
	s.ring_n = s.writing ? RING_WRITING : RING;
	s.ring = aligned_alloc(64, s.ring_n * sizeof(*s.ring)); /* sizeof: a multiple of 64 */
	if (s.ring)
		memset(s.ring, 0, s.ring_n * sizeof(*s.ring));
	bool ok = w && s.ring;
	for (unsigned r = 0; ok && r < s.ring_n; r++)
		ok = !chunk_alloc(&s.ring[r], s.n, s.writing);
	for (unsigned i = 0; ok && i < s.n; i++) {
		w[i].s = &s;
		w[i].id = i;
		w[i].buf = runner_buf_new(&w[i].size);
		w[i].ws.t = calloc(WORKER_TARGETS, sizeof(*w[i].ws.t));
		ok = w[i].buf && w[i].ws.t;
	}
	if (!ok) {
		fprintf(stderr, "bpfvm %s: %s\n", RUNNER_CMD(o), strerror(ENOMEM));
		goto out;
	}
	/* Worker 0 is this thread. */
	for (started = 1; started < s.n; started++) {
		int e = pthread_create(&w[started].thread, NULL, worker_main, &w[started]);
		if (e) {
			fprintf(stderr, "bpfvm %s: %u threads: %s\n", RUNNER_CMD(o), s.n,
				strerror(e));
			pthread_mutex_lock(&s.lock);
			s.failed = true;
			pthread_cond_broadcast(&s.cond);
			pthread_mutex_unlock(&s.lock);
			break;
		}
	}
	worker_main(&w[0]);
	for (unsigned i = 1; i < started; i++)
		pthread_join(w[i].thread, NULL);
	if (!s.failed)
		ret = merge(&s, w, st);
out:
	for (unsigned i = 0; w && i < s.n; i++) {
		free(w[i].buf);
		free(w[i].ws.t);
	}
	free(w);
	for (unsigned r = 0; s.ring && r < s.ring_n; r++)
		chunk_free(&s.ring[r], s.n);
	free(s.ring);
	pthread_cond_destroy(&s.cond);
	pthread_mutex_destroy(&s.lock);
	return ret;
}
