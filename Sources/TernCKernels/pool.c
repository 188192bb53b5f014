// A persistent pool of worker threads for the hot path. A job is published by bumping a
// generation counter; workers spin on it briefly (a decode step issues a few hundred jobs, each
// tens of microseconds long, so waking sleeping threads would cost as much as the work), then
// sleep on a condition variable when the pool goes quiet.
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#if defined(__x86_64__)
#include <immintrin.h>
#define TERN_PAUSE() _mm_pause()
#else
#define TERN_PAUSE() ((void)0)
#endif
#include "TernCKernels.h"

enum { SPINS_BEFORE_SLEEP = 20000 };

struct tern_pool {
    int threads;                  // including the calling thread
    pthread_t *workers;           // threads - 1
    pthread_mutex_t run_lock;     // one job at a time
    pthread_mutex_t lock;         // guards sleeping
    pthread_cond_t wake;
    int sleepers;                 // under lock
    _Atomic uint64_t generation;  // bumped once per job
    _Atomic int pending;          // workers that have not finished the current job
    _Atomic int stop;
    _Atomic int next;             // next chunk of the current job to hand out
    tern_pool_task task;
    void *context;
    int parts;
};

/// Takes chunks of the current job until none are left: a thread slowed by anything else on
/// the machine simply takes fewer.
static void run_chunks(struct tern_pool *pool) {
    int c;
    while ((c = atomic_fetch_add_explicit(&pool->next, 1, memory_order_relaxed)) < pool->parts)
        pool->task(pool->context, c, pool->parts);
}

struct worker_start { struct tern_pool *pool; int index; };

static void *worker_main(void *arg) {
    struct worker_start start = *(struct worker_start *)arg;
    free(arg);
    struct tern_pool *pool = start.pool;
    uint64_t seen = 0;
    for (;;) {
        uint64_t g = atomic_load_explicit(&pool->generation, memory_order_acquire);
        for (int i = 0; g == seen && i < SPINS_BEFORE_SLEEP; i++) {
            TERN_PAUSE();
            g = atomic_load_explicit(&pool->generation, memory_order_acquire);
        }
        if (g == seen) {
            pthread_mutex_lock(&pool->lock);
            pool->sleepers++;
            while ((g = atomic_load_explicit(&pool->generation, memory_order_acquire)) == seen &&
                   !atomic_load(&pool->stop))
                pthread_cond_wait(&pool->wake, &pool->lock);
            pool->sleepers--;
            pthread_mutex_unlock(&pool->lock);
        }
        if (atomic_load(&pool->stop)) return NULL;
        seen = g;
        run_chunks(pool);
        atomic_fetch_sub_explicit(&pool->pending, 1, memory_order_release);
    }
}

tern_pool *tern_pool_create(int threads) {
    struct tern_pool *pool = calloc(1, sizeof *pool);
    if (!pool) return NULL;
    pool->threads = threads < 1 ? 1 : threads;
    pthread_mutex_init(&pool->run_lock, NULL);
    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->wake, NULL);
    pool->workers = calloc((size_t)pool->threads, sizeof(pthread_t));
    for (int i = 1; i < pool->threads; i++) {
        struct worker_start *start = malloc(sizeof *start);
        start->pool = pool;
        start->index = i;
        pthread_create(&pool->workers[i - 1], NULL, worker_main, start);
    }
    return pool;
}

void tern_pool_destroy(tern_pool *pool) {
    if (!pool) return;
    atomic_store(&pool->stop, 1);
    pthread_mutex_lock(&pool->lock);
    atomic_fetch_add_explicit(&pool->generation, 1, memory_order_release);
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->lock);
    for (int i = 1; i < pool->threads; i++) pthread_join(pool->workers[i - 1], NULL);
    free(pool->workers);
    pthread_cond_destroy(&pool->wake);
    pthread_mutex_destroy(&pool->lock);
    pthread_mutex_destroy(&pool->run_lock);
    free(pool);
}

void tern_pool_run(tern_pool *pool, tern_pool_task task, void *context, int parts) {
    if (parts <= 1 || pool->threads == 1) {
        for (int p = 0; p < parts; p++) task(context, p, parts);
        return;
    }
    pthread_mutex_lock(&pool->run_lock);
    pool->task = task;
    pool->context = context;
    pool->parts = parts;
    atomic_store_explicit(&pool->next, 0, memory_order_relaxed);
    atomic_store_explicit(&pool->pending, pool->threads - 1, memory_order_relaxed);
    pthread_mutex_lock(&pool->lock);  // publish under the lock so no worker sleeps through it
    atomic_fetch_add_explicit(&pool->generation, 1, memory_order_release);
    if (pool->sleepers > 0) pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->lock);
    run_chunks(pool);
    while (atomic_load_explicit(&pool->pending, memory_order_acquire) != 0) TERN_PAUSE();
    pthread_mutex_unlock(&pool->run_lock);
}

void tern_keep_freed_memory(void) {
#ifdef __GLIBC__
    mallopt(M_MMAP_THRESHOLD, 1 << 30);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
}
