/*===- parallel_pthread.c - kiln_parallel_for on a pthread pool ------------===
 * The hosted runtime (KilnRuntime): a fixed-capacity pool of workers created
 * on first use, blocked on a condition variable between loops. Everything
 * lives in static storage, so running a loop never allocates.
 *===----------------------------------------------------------------------===*/
#define _POSIX_C_SOURCE 200809L

#include "kiln/runtime.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

/* All fields below are guarded by pool_mutex. */
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
static unsigned long generation; /* bumped for every loop handed out */
static int pending;          /* chunks of the current loop not yet done */

/* The loop being run: chunk k of num_chunks goes to worker k (0 = caller). */
static kiln_parallel_body job_body;
static void *job_closure;
static int64_t job_count;
static int job_chunks;

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

static void *worker_main(void *arg) {
  const struct worker_start *start = (const struct worker_start *)arg;
  int id = start->id;
  unsigned long seen = start->generation;
  pthread_mutex_lock(&pool_mutex);
  for (;;) {
    kiln_parallel_body body;
    void *closure;
    int64_t begin, end;
    while (generation == seen)
      pthread_cond_wait(&work_ready, &pool_mutex);
    seen = generation;
    if (id >= job_chunks)
      continue; /* this loop needs fewer threads */
    body = job_body;
    closure = job_closure;
    chunk_range(job_count, job_chunks, id, &begin, &end);
    pthread_mutex_unlock(&pool_mutex);
    body(closure, begin, end);
    pthread_mutex_lock(&pool_mutex);
    if (--pending == 0)
      pthread_cond_signal(&work_done);
  }
  return 0;
}

/* fork() copies only the calling thread: the child starts with an empty
 * pool (and a mutex no worker holds, since prepare takes it). The condition
 * variables are made anew: the copies still count the parent's waiting
 * workers, and glibc's broadcast can block forever on such phantom waiters
 * (seen as a hang of the child's first loop). */
static void before_fork(void) { pthread_mutex_lock(&pool_mutex); }
static void after_fork_parent(void) { pthread_mutex_unlock(&pool_mutex); }
static void after_fork_child(void) {
  num_workers = 0;
  worker_failed = 0;
  busy = 0;
  pending = 0;
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
  int threads;
  int64_t begin, end;
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
  job_chunks = threads;
  pending = threads - 1;
  ++generation;
  pthread_cond_broadcast(&work_ready);
  pthread_mutex_unlock(&pool_mutex);

  chunk_range(count, threads, 0, &begin, &end);
  body(closure, begin, end);

  pthread_mutex_lock(&pool_mutex);
  while (pending > 0)
    pthread_cond_wait(&work_done, &pool_mutex);
  busy = 0;
  pthread_mutex_unlock(&pool_mutex);
}
