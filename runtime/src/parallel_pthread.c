/*===- parallel_pthread.c - kiln_parallel_for on a pthread pool ------------===
 * The hosted runtime (KilnRuntime): a fixed-capacity pool of workers created
 * on first use that spin briefly, then block on a condition variable,
 * between loops; a loop's chunks are claimed dynamically. Everything lives
 * in static storage, so running a loop never allocates.
 *===----------------------------------------------------------------------===*/
#define _POSIX_C_SOURCE 200809L

#include "kiln/runtime.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

/* Fields without a note are guarded by pool_mutex. */
static pthread_mutex_t pool_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work_ready = PTHREAD_COND_INITIALIZER;
static pthread_cond_t work_done = PTHREAD_COND_INITIALIZER;

static pthread_t workers[KILN_MAX_THREADS - 1];
/* Id of each worker and the generation current when it was created (it
 * must not take that loop, or miss a later one). */
static struct worker_start {
  int id;
  unsigned long generation;
} worker_starts[KILN_MAX_THREADS - 1];
static int num_workers;      /* workers started so far */
static int worker_failed;    /* a pthread_create failed: stop trying */
static int num_threads;      /* configured count, caller included; 0 = unset */
static int busy;             /* a loop is running on the pool */
static int sleepers;         /* workers blocked on work_ready */

/* The loop handed out, written under pool_mutex before `generation`. */
static kiln_parallel_body job_body;
static void *job_closure;
static int64_t job_count;
static int job_chunks;  /* the loop is split into this many chunks */
static int job_threads; /* workers with id < job_threads take part */

/* Lock-free, through the GCC/Clang __atomic builtins (written under
 * pool_mutex too, so waiters on the condition variables see them):
 * `generation` is bumped for every loop; `claim` holds the loop's
 * generation (low 32 bits) in its high half and the next unclaimed chunk in
 * its low half, so a late worker can never take a chunk of a newer loop;
 * `chunks_done` counts the loop's finished chunks. */
static unsigned long generation;
static uint64_t claim;
static int chunks_done;

/* Threads spin this many pauses (tens of microseconds) for the next loop or
 * for the last chunk before they block: a model's kernels follow each other
 * closely, and a futex wake-up per kernel costs more than the spin. */
#define KILN_SPIN 4000

static void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

static unsigned long load_generation(void) {
  return __atomic_load_n(&generation, __ATOMIC_ACQUIRE);
}

static int clamp_threads(long n) {
  if (n < 1)
    return 1;
  return n > KILN_MAX_THREADS ? KILN_MAX_THREADS : (int)n;
}

/* KILN_NUM_THREADS if it is a positive number, else the online CPUs. */
static int default_threads(void) {
  const char *env = getenv("KILN_NUM_THREADS");
  if (env && *env) {
    char *end = 0;
    long n = strtol(env, &end, 10);
    if (*end == '\0' && n > 0)
      return clamp_threads(n);
  }
  return clamp_threads(sysconf(_SC_NPROCESSORS_ONLN));
}

/* [begin, end) of chunk k when count is split into chunks near-equal parts. */
static void chunk_range(int64_t count, int chunks, int k, int64_t *begin,
                        int64_t *end) {
  int64_t base = count / chunks, extra = count % chunks;
  *begin = k * base + (k < extra ? k : extra);
  *end = *begin + base + (k < extra ? 1 : 0);
}

/* Claims and runs chunks of loop `gen` until none is left; chunks are
 * claimed one at a time, so a thread that starts late (or is descheduled)
 * leaves its share to the others instead of holding everyone up. */
static void run_chunks(unsigned long gen, kiln_parallel_body body,
                       void *closure, int64_t count, int chunks) {
  uint64_t tag = (uint64_t)(gen & 0xffffffffUL) << 32;
  for (;;) {
    uint64_t v = __atomic_load_n(&claim, __ATOMIC_ACQUIRE);
    int64_t begin, end;
    do {
      if ((v & ~(uint64_t)0xffffffffUL) != tag ||
          (int64_t)(v & 0xffffffffUL) >= chunks)
        return;
    } while (!__atomic_compare_exchange_n(&claim, &v, v + 1, 1,
                                          __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE));
    chunk_range(count, chunks, (int)(v & 0xffffffffUL), &begin, &end);
    body(closure, begin, end);
    if (__atomic_add_fetch(&chunks_done, 1, __ATOMIC_ACQ_REL) == chunks) {
      pthread_mutex_lock(&pool_mutex);
      pthread_cond_signal(&work_done);
      pthread_mutex_unlock(&pool_mutex);
    }
  }
}

static void *worker_main(void *arg) {
  const struct worker_start *start = (const struct worker_start *)arg;
  int id = start->id;
  unsigned long seen = start->generation;
  for (;;) {
    kiln_parallel_body body;
    void *closure;
    int64_t count;
    int chunks, take, spin;
    for (spin = 0; spin < KILN_SPIN && load_generation() == seen; ++spin)
      cpu_relax();
    pthread_mutex_lock(&pool_mutex);
    while (load_generation() == seen) {
      ++sleepers;
      pthread_cond_wait(&work_ready, &pool_mutex);
      --sleepers;
    }
    seen = load_generation();
    body = job_body;
    closure = job_closure;
    count = job_count;
    chunks = job_chunks;
    take = id < job_threads;
    pthread_mutex_unlock(&pool_mutex);
    if (take)
      run_chunks(seen, body, closure, count, chunks);
  }
  return 0;
}

static void before_fork(void) { pthread_mutex_lock(&pool_mutex); }
static void after_fork_parent(void) { pthread_mutex_unlock(&pool_mutex); }
static void after_fork_child(void) {
  num_workers = 0;
  worker_failed = 0;
  busy = 0;
  sleepers = 0;
  pthread_cond_init(&work_ready, 0);
  pthread_cond_init(&work_done, 0);
  pthread_mutex_unlock(&pool_mutex);
}
static int fork_handlers_installed;

/* Starts workers until `threads` threads (caller included) exist; returns
 * the number of threads available. Called with pool_mutex held. */
static int start_workers(int threads) {
  if (!fork_handlers_installed && num_workers + 1 < threads) {
    /* Without the handlers a forked child could hang: stay serial. */
    if (pthread_atfork(before_fork, after_fork_parent, after_fork_child) != 0)
      worker_failed = 1;
    else
      fork_handlers_installed = 1;
  }
  while (num_workers + 1 < threads && !worker_failed) {
    int k = num_workers;
    worker_starts[k].id = k + 1;
    worker_starts[k].generation = generation;
    if (pthread_create(&workers[k], 0, worker_main, &worker_starts[k]) != 0) {
      worker_failed = 1;
      break;
    }
    ++num_workers;
  }
  return num_workers + 1 < threads ? num_workers + 1 : threads;
}

int kiln_set_num_threads(int n) {
  int status = KILN_OK;
  pthread_mutex_lock(&pool_mutex);
  num_threads = n <= 0 ? default_threads() : clamp_threads(n);
  if (!busy && start_workers(num_threads) < num_threads)
    status = KILN_ERROR_THREAD;
  pthread_mutex_unlock(&pool_mutex);
  return status;
}

int kiln_get_num_threads(void) {
  int n;
  pthread_mutex_lock(&pool_mutex);
  if (num_threads == 0)
    num_threads = default_threads();
  n = num_threads;
  if (worker_failed && num_workers + 1 < n)
    n = num_workers + 1;
  pthread_mutex_unlock(&pool_mutex);
  return n;
}

void kiln_parallel_for(int64_t count, kiln_parallel_body body, void *closure) {
  int threads, chunks, spin;
  unsigned long gen;
  if (count <= 0 || !body)
    return;
  pthread_mutex_lock(&pool_mutex);
  if (num_threads == 0)
    num_threads = default_threads();
  if (busy || num_threads == 1 || count == 1) {
    /* Nested or concurrent loop, or nothing to share: run it here. */
    pthread_mutex_unlock(&pool_mutex);
    body(closure, 0, count);
    return;
  }
  threads = start_workers(num_threads);
  if (count < threads)
    threads = (int)count;
  if (threads == 1) {
    pthread_mutex_unlock(&pool_mutex);
    body(closure, 0, count);
    return;
  }
  busy = 1;
  job_body = body;
  job_closure = closure;
  job_count = count;
  job_threads = threads;
  /* A few chunks per thread balance a loop across threads that do not run
   * at the same speed (other processes, a late wake-up). */
  chunks = count < 4 * (int64_t)threads ? (int)count : 4 * threads;
  job_chunks = chunks;
  gen = load_generation() + 1;
  __atomic_store_n(&chunks_done, 0, __ATOMIC_RELAXED);
  __atomic_store_n(&claim, (uint64_t)(gen & 0xffffffffUL) << 32,
                   __ATOMIC_RELEASE);
  __atomic_store_n(&generation, gen, __ATOMIC_RELEASE);
  if (sleepers > 0)
    pthread_cond_broadcast(&work_ready);
  pthread_mutex_unlock(&pool_mutex);

  run_chunks(gen, body, closure, count, chunks);

  for (spin = 0; spin < KILN_SPIN &&
                 __atomic_load_n(&chunks_done, __ATOMIC_ACQUIRE) < chunks;
       ++spin)
    cpu_relax();
  pthread_mutex_lock(&pool_mutex);
  while (__atomic_load_n(&chunks_done, __ATOMIC_ACQUIRE) < chunks)
    pthread_cond_wait(&work_done, &pool_mutex);
  busy = 0;
  pthread_mutex_unlock(&pool_mutex);
}
