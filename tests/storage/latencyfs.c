/* latencyfs: a read-only FUSE passthrough that waits before every metadata operation, turning
 * a local tree into an EFS-like, latency-bound one (EFS answers each stat and readdir in about
 * 1 ms). Built and started by latencyfs.py, which documents its use.
 *
 * libfuse 3's low-level API with a pool of worker threads: a waiting request holds a thread
 * that sleeps, so requests are served concurrently (as NFS serves them) and this process's own
 * cost per request stays far below the delay it adds: a scan measures the latency, not the
 * passthrough. Entry and attribute timeouts are 0, so every lookup reaches the delay. FUSE
 * inodes are numbered here, one per source (st_dev, st_ino), so hard links stay one inode.
 * On unmount it writes {"ops": N, "max_in_flight": M} to the --stats file.
 */
#define FUSE_USE_VERSION 312
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fuse_lowlevel.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

struct node { dev_t dev; ino_t ino; char *path; };

static struct timespec delay;
static atomic_long ops, in_flight, max_in_flight;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct node *nodes;          /* nodes[i] is FUSE inode i + 1 (1 is the root) */
static size_t n_nodes, cap_nodes;
static size_t *slots;               /* open addressing: (dev, ino) -> index + 1, 0 = empty */
static size_t n_slots;

static void wait_delay(void) {
    atomic_fetch_add(&ops, 1);
    long now = atomic_fetch_add(&in_flight, 1) + 1;
    long seen = atomic_load(&max_in_flight);
    while (now > seen && !atomic_compare_exchange_weak(&max_in_flight, &seen, now)) {}
    if (delay.tv_sec || delay.tv_nsec) {
        struct timespec left = delay;
        while (nanosleep(&left, &left) == -1 && errno == EINTR) {}
    }
    atomic_fetch_sub(&in_flight, 1);
}

static size_t slot_of(dev_t dev, ino_t ino) {
    uint64_t h = ((uint64_t)ino * 0x9E3779B97F4A7C15ull) ^ (uint64_t)dev;
    return (size_t)(h % n_slots);
}

static void grow_slots(void) {
    size_t old = n_slots, *was = slots;
    n_slots = old ? old * 2 : 4096;
    slots = calloc(n_slots, sizeof *slots);
    if (!slots) abort();
    for (size_t i = 0; i < old; i++) {
        if (!was[i]) continue;
        size_t s = slot_of(nodes[was[i] - 1].dev, nodes[was[i] - 1].ino);
        while (slots[s]) s = (s + 1) % n_slots;
        slots[s] = was[i];
    }
    free(was);
}

/* The FUSE inode of a source entry, made on first sight with the path it was seen at. */
static fuse_ino_t node_for(const struct stat *st, const char *path) {
    pthread_mutex_lock(&lock);
    if ((n_nodes + 1) * 2 > n_slots) grow_slots();
    size_t s = slot_of(st->st_dev, st->st_ino);
    while (slots[s]) {
        struct node *n = &nodes[slots[s] - 1];
        if (n->dev == st->st_dev && n->ino == st->st_ino) {
            fuse_ino_t found = slots[s];
            pthread_mutex_unlock(&lock);
            return found;
        }
        s = (s + 1) % n_slots;
    }
    if (n_nodes == cap_nodes) {
        cap_nodes = cap_nodes ? cap_nodes * 2 : 4096;
        nodes = realloc(nodes, cap_nodes * sizeof *nodes);
        if (!nodes) abort();
    }
    nodes[n_nodes] = (struct node){st->st_dev, st->st_ino, strdup(path)};
    slots[s] = ++n_nodes;
    pthread_mutex_unlock(&lock);
    return n_nodes;
}

/* A copy of the path of a FUSE inode (the caller frees it), or NULL. */
static char *path_of(fuse_ino_t ino) {
    char *path = NULL;
    pthread_mutex_lock(&lock);
    if (ino >= 1 && ino <= n_nodes) path = strdup(nodes[ino - 1].path);
    pthread_mutex_unlock(&lock);
    return path;
}

static char *join(const char *dir, const char *name) {
    char *out;
    if (asprintf(&out, "%s/%s", dir, name) < 0) abort();
    return out;
}

static void ll_lookup(fuse_req_t req, fuse_ino_t parent, const char *name) {
    wait_delay();
    char *dir = path_of(parent);
    if (!dir) { fuse_reply_err(req, ENOENT); return; }
    char *path = join(dir, name);
    free(dir);
    struct fuse_entry_param e = {0};
    if (lstat(path, &e.attr) == -1) { int err = errno; free(path); fuse_reply_err(req, err); return; }
    e.ino = e.attr.st_ino = node_for(&e.attr, path);
    free(path);
    fuse_reply_entry(req, &e);  /* entry_timeout = attr_timeout = 0: nothing is cached */
}

static void ll_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) {
    (void)fi;
    wait_delay();
    char *path = path_of(ino);
    struct stat st;
    if (!path) { fuse_reply_err(req, ENOENT); return; }
    int rc = lstat(path, &st), err = errno;
    free(path);
    if (rc == -1) { fuse_reply_err(req, err); return; }
    st.st_ino = ino;
    fuse_reply_attr(req, &st, 0);
}

static void ll_readlink(fuse_req_t req, fuse_ino_t ino) {
    wait_delay();
    char *path = path_of(ino), target[PATH_MAX + 1];
    if (!path) { fuse_reply_err(req, ENOENT); return; }
    ssize_t len = readlink(path, target, PATH_MAX);
    int err = errno;
    free(path);
    if (len == -1) { fuse_reply_err(req, err); return; }
    target[len] = '\0';
    fuse_reply_readlink(req, target);
}

/* A folder's listing, read on the first readdir: one buffer of direntries for the kernel. */
struct listing { char *path; char *buf; size_t size, *ends, n; int read; };

static void ll_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) {
    char *path = path_of(ino);
    if (!path) { fuse_reply_err(req, ENOENT); return; }
    struct listing *l = calloc(1, sizeof *l);
    l->path = path;
    fi->fh = (uintptr_t)l;
    fuse_reply_open(req, fi);
}

static int fill(fuse_req_t req, struct listing *l) {
    DIR *d = opendir(l->path);
    if (!d) return errno;
    size_t cap = 0, cap_ends = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        char *child = join(l->path, de->d_name);
        struct stat st = {0};
        int dots = !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..");
        if (!dots && lstat(child, &st) == -1) { free(child); continue; }  /* vanished */
        if (dots) st.st_mode = S_IFDIR;
        st.st_ino = dots ? FUSE_ROOT_ID : node_for(&st, child);
        free(child);
        size_t need = fuse_add_direntry(req, NULL, 0, de->d_name, NULL, 0);
        if (l->size + need > cap) {
            cap = (cap + need) * 2;
            l->buf = realloc(l->buf, cap);
            if (!l->buf) abort();
        }
        fuse_add_direntry(req, l->buf + l->size, need, de->d_name, &st, (off_t)(l->size + need));
        l->size += need;
        if (l->n == cap_ends) {
            cap_ends = cap_ends ? cap_ends * 2 : 64;
            l->ends = realloc(l->ends, cap_ends * sizeof *l->ends);
            if (!l->ends) abort();
        }
        l->ends[l->n++] = l->size;
    }
    closedir(d);
    return 0;
}

static void ll_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi) {
    (void)ino;
    struct listing *l = (struct listing *)(uintptr_t)fi->fh;
    if (!l->read) {  /* one delayed request per listing, as a passthrough's readdir */
        wait_delay();
        int err = fill(req, l);
        if (err) { fuse_reply_err(req, err); return; }
        l->read = 1;
    }
    if ((size_t)off >= l->size) { fuse_reply_buf(req, NULL, 0); return; }
    /* As many whole entries from off as fit in size (each entry's offset is where it ends). */
    size_t end = (size_t)off;
    for (size_t i = 0; i < l->n; i++) {
        if (l->ends[i] <= (size_t)off) continue;
        if (l->ends[i] - (size_t)off > size) break;
        end = l->ends[i];
    }
    fuse_reply_buf(req, l->buf + off, end - (size_t)off);
}

static void ll_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) {
    (void)ino;
    struct listing *l = (struct listing *)(uintptr_t)fi->fh;
    free(l->path);
    free(l->buf);
    free(l->ends);
    free(l);
    fuse_reply_err(req, 0);
}

static void ll_statfs(fuse_req_t req, fuse_ino_t ino) {
    (void)ino;
    wait_delay();
    struct statvfs sv;
    char *root = path_of(FUSE_ROOT_ID);
    int rc = statvfs(root, &sv), err = errno;
    free(root);
    if (rc == -1) fuse_reply_err(req, err); else fuse_reply_statfs(req, &sv);
}

static const struct fuse_lowlevel_ops ll_ops = {
    .lookup = ll_lookup, .getattr = ll_getattr, .readlink = ll_readlink, .opendir = ll_opendir,
    .readdir = ll_readdir, .releasedir = ll_releasedir, .statfs = ll_statfs,
};

int main(int argc, char **argv) {
    const char *source = NULL, *mountpoint = NULL, *stats = NULL;
    double delay_ms = 1.0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--delay-ms") && i + 1 < argc) delay_ms = atof(argv[++i]);
        else if (!strcmp(argv[i], "--stats") && i + 1 < argc) stats = argv[++i];
        else if (!source) source = argv[i];
        else if (!mountpoint) mountpoint = argv[i];
        else { fprintf(stderr, "latencyfs: unexpected argument %s\n", argv[i]); return 2; }
    }
    if (!source || !mountpoint || delay_ms < 0) {
        fprintf(stderr, "usage: latencyfs SOURCE MOUNTPOINT [--delay-ms MS] [--stats FILE]\n");
        return 2;
    }
    long ns = (long)(delay_ms * 1e6);
    delay.tv_sec = ns / 1000000000L;
    delay.tv_nsec = ns % 1000000000L;
    char *root = realpath(source, NULL);
    struct stat st;
    if (!root || lstat(root, &st) == -1 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "latencyfs: %s is not a folder\n", source);
        return 1;
    }
    node_for(&st, root);  /* FUSE inode 1 */
    char *fuse_argv[] = {argv[0], "-o", "ro,fsname=latencyfs,subtype=latencyfs", NULL};
    struct fuse_args args = FUSE_ARGS_INIT(3, fuse_argv);
    struct fuse_session *se = fuse_session_new(&args, &ll_ops, sizeof ll_ops, NULL);
    if (!se) return 1;
    if (fuse_set_signal_handlers(se) != 0 || fuse_session_mount(se, mountpoint) != 0) return 1;
    struct fuse_loop_config *cfg = fuse_loop_cfg_create();
    fuse_loop_cfg_set_max_threads(cfg, 256);
    fuse_loop_cfg_set_idle_threads(cfg, 128);  /* sleeping threads stay: no thread churn */
    int rc = fuse_session_loop_mt(se, cfg);
    fuse_loop_cfg_destroy(cfg);
    fuse_session_unmount(se);
    fuse_remove_signal_handlers(se);
    fuse_session_destroy(se);
    if (stats) {
        char *tmp;
        if (asprintf(&tmp, "%s.tmp", stats) < 0) abort();
        FILE *f = fopen(tmp, "w");
        if (f) {
            fprintf(f, "{\"ops\": %ld, \"max_in_flight\": %ld}\n", atomic_load(&ops), atomic_load(&max_in_flight));
            fclose(f);
            rename(tmp, stats);
        }
        free(tmp);
    }
    return rc ? 1 : 0;
}
