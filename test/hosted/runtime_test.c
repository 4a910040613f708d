/*===- runtime_test.c - tests of the C99 runtime ---------------------------===
 * Built twice: against KilnRuntime (pthread pool) and, with
 * -DKILN_TEST_SERIAL, against KilnRuntimeSerial. Exits 1 on any failure.
 *===----------------------------------------------------------------------===*/
#define _POSIX_C_SOURCE 200809L

#include "kiln/runtime.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;

#define EXPECT(cond)                                                           \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: FAILED: %s\n", __FILE__, __LINE__, #cond);      \
      ++failures;                                                              \
    }                                                                          \
  } while (0)

#define MAX_COUNT 1000
#define MAX_CHUNKS (KILN_MAX_THREADS + 1)

/* Records every call: the chunks it saw and how often each index ran. */
struct record {
  pthread_mutex_t lock;
  int hits[MAX_COUNT];
  int64_t begins[MAX_CHUNKS], ends[MAX_CHUNKS];
  int chunks;
  int nested_ok;
};

static void record_body(void *closure, int64_t begin, int64_t end) {
  struct record *r = (struct record *)closure;
  int64_t i;
  for (i = begin; i < end; ++i)
    __atomic_fetch_add(&r->hits[i], 1, __ATOMIC_RELAXED);
  pthread_mutex_lock(&r->lock);
  if (r->chunks < MAX_CHUNKS) {
    r->begins[r->chunks] = begin;
    r->ends[r->chunks] = end;
  }
  ++r->chunks;
  pthread_mutex_unlock(&r->lock);
}

static struct record rec;

static void reset(void) {
  memset(rec.hits, 0, sizeof rec.hits);
  rec.chunks = 0;
  rec.nested_ok = 0;
}

/* Every index runs once, in contiguous non-empty chunks whose sizes differ
 * by at most one: one chunk when serial, else up to 4 per thread. */
static void check_split(int64_t count, int threads) {
  int64_t i, min = count, max = 0, most = threads == 1 ? 1 : 4 * threads;
  int c, expected = (int)(count < most ? count : most);
  reset();
  kiln_parallel_for(count, record_body, &rec);
  for (i = 0; i < count; ++i)
    EXPECT(rec.hits[i] == 1);
  for (i = count; i < MAX_COUNT; ++i)
    EXPECT(rec.hits[i] == 0);
  EXPECT(rec.chunks == (count > 0 ? expected : 0));
  for (c = 0; c < rec.chunks && c < MAX_CHUNKS; ++c) {
    int64_t n = rec.ends[c] - rec.begins[c];
    EXPECT(n > 0);
    min = n < min ? n : min;
    max = n > max ? n : max;
  }
  if (rec.chunks > 0)
    EXPECT(max - min <= 1);
}

/* A body that itself runs a parallel loop: the inner loop must run
 * serially as one chunk on the same thread. */
static int inner_chunks;
static void inner_body(void *closure, int64_t begin, int64_t end) {
  (void)closure;
  __atomic_fetch_add(&inner_chunks, 1, __ATOMIC_RELAXED);
  (void)begin;
  (void)end;
}
static void outer_body(void *closure, int64_t begin, int64_t end) {
  int64_t i;
  for (i = begin; i < end; ++i)
    kiln_parallel_for(10, inner_body, closure);
  record_body(closure, begin, end);
}

#ifndef KILN_TEST_SERIAL
static void *concurrent_caller(void *arg) {
  int k;
  (void)arg;
  for (k = 0; k < 200; ++k)
    kiln_parallel_for(50, inner_body, 0);
  return 0;
}
#endif

int main(void) {
  int counts[] = {0, 1, 2, 3, 7, 64, 65, 999, 1000}, c;
  size_t k;

  EXPECT(KILN_ABI_VERSION == 1);
  EXPECT(strcmp(kiln_status_string(KILN_OK), "KILN_OK: success") == 0);
  EXPECT(strncmp(kiln_status_string(KILN_ERROR_NULL_ARGUMENT),
                 "KILN_ERROR_NULL_ARGUMENT: ", 26) == 0);
  EXPECT(strncmp(kiln_status_string(KILN_ERROR_MISALIGNED_ARENA),
                 "KILN_ERROR_MISALIGNED_ARENA: ", 29) == 0);
  EXPECT(strncmp(kiln_status_string(KILN_ERROR_THREAD),
                 "KILN_ERROR_THREAD: ", 19) == 0);
  EXPECT(strcmp(kiln_status_string(42), "unknown Kiln status code") == 0);
  EXPECT(strcmp(kiln_status_string(-1), "unknown Kiln status code") == 0);
  EXPECT(kiln_dtype_size(KILN_F32) == 4 && kiln_dtype_size(KILN_I64) == 8);
  EXPECT(kiln_dtype_size(KILN_BOOL) == 1 && kiln_dtype_size(KILN_BF16) == 2);
  EXPECT(strcmp(kiln_dtype_name(KILN_F16), "f16") == 0);
  EXPECT(strcmp(kiln_dtype_name((kiln_dtype)99), "?") == 0);
  EXPECT(kiln_dtype_size((kiln_dtype)99) == 0);
  pthread_mutex_init(&rec.lock, 0);

#ifdef KILN_TEST_SERIAL
  EXPECT(kiln_get_num_threads() == 1);
  EXPECT(kiln_set_num_threads(1) == KILN_OK);
  EXPECT(kiln_set_num_threads(4) == KILN_ERROR_THREAD);
  for (c = 0; c < (int)(sizeof counts / sizeof *counts); ++c)
    check_split(counts[c], 1);
#else
  int threads;
  EXPECT(kiln_get_num_threads() >= 1);
  EXPECT(kiln_get_num_threads() <= KILN_MAX_THREADS);
  EXPECT(kiln_set_num_threads(1000) == KILN_OK);
  EXPECT(kiln_get_num_threads() == KILN_MAX_THREADS);
  for (threads = 1; threads <= 9; ++threads) {
    EXPECT(kiln_set_num_threads(threads) == KILN_OK);
    EXPECT(kiln_get_num_threads() == threads);
    for (c = 0; c < (int)(sizeof counts / sizeof *counts); ++c)
      check_split(counts[c], threads);
  }
  EXPECT(kiln_set_num_threads(KILN_MAX_THREADS) == KILN_OK);
  check_split(1000, KILN_MAX_THREADS);
  check_split(5, KILN_MAX_THREADS);
  /* Many loops in a row reuse the pool. */
  EXPECT(kiln_set_num_threads(4) == KILN_OK);
  for (k = 0; k < 2000; ++k)
    check_split((int64_t)(k % 13), 4);
  /* Two application threads sharing the pool: both finish, all counted. */
  {
    pthread_t t1, t2;
    inner_chunks = 0;
    pthread_create(&t1, 0, concurrent_caller, 0);
    pthread_create(&t2, 0, concurrent_caller, 0);
    pthread_join(t1, 0);
    pthread_join(t2, 0);
    EXPECT(inner_chunks >= 400 && inner_chunks <= 400 * 16);
  }
  /* A forked child gets a fresh pool that works. */
  {
    int status = -1;
    pid_t pid = fork();
    if (pid == 0) {
      check_split(1000, 4);
      _exit(failures ? 1 : 0);
    }
    EXPECT(pid > 0 && waitpid(pid, &status, 0) == pid);
    EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    check_split(1000, 4);
  }
  EXPECT(kiln_set_num_threads(0) == KILN_OK); /* back to the default */
  EXPECT(kiln_get_num_threads() >= 1);
#endif
  /* Nested loops run serially: each inner loop is a single chunk. */
  kiln_set_num_threads(4);
  reset();
  inner_chunks = 0;
  kiln_parallel_for(100, outer_body, &rec);
  EXPECT(inner_chunks == 100);
  for (k = 0; k < 100; ++k)
    EXPECT(rec.hits[k] == 1);
  kiln_parallel_for(10, 0, 0); /* a NULL body is ignored */

  if (failures) {
    fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  printf("runtime tests passed (%s)\n",
#ifdef KILN_TEST_SERIAL
         "serial"
#else
         "pthread pool"
#endif
  );
  return 0;
}
