/* process_metrics.c - the process_* metrics every Prometheus client
 * library exports (CPU, memory, file descriptors, start time), read from
 * /proc on Linux at each scrape, with the names and meanings of the Go and
 * Python clients so that dashboards made for those work unchanged.  A
 * value /proc does not give is left out rather than reported as 0. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "ecomd.h"

/* The fields of /proc/self/stat this needs (proc(5) numbers them). */
typedef struct proc_stat {
    unsigned long long utime, stime, starttime, vsize;
    long long rss;
} proc_stat;

static int read_stat(proc_stat *ps)
{
    char buf[1024];
    FILE *f = fopen("/proc/self/stat", "r");
    if (!f) return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* The command name (field 2) may hold spaces and parentheses: the
     * fields after it start after its last ')'. */
    const char *p = strrchr(buf, ')');
    return p && sscanf(p + 2,
                       "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %*d "
                       "%*d %llu %llu %lld",
                       &ps->utime, &ps->stime, &ps->starttime, &ps->vsize, &ps->rss) == 5;
}

/* Seconds since the epoch at which the system booted (/proc/stat). */
static long long boot_time(void)
{
    char line[256];
    long long btime = -1;
    FILE *f = fopen("/proc/stat", "r");
    if (!f) return -1;
    while (btime < 0 && fgets(line, sizeof line, f))
        if (strncmp(line, "btime ", 6) == 0) btime = atoll(line + 6);
    fclose(f);
    return btime;
}

/* Open descriptors: the entries of /proc/self/fd but the one reading it. */
static long open_fds(void)
{
    DIR *dir = opendir("/proc/self/fd");
    if (!dir) return -1;
    long n = 0;
    for (struct dirent *e; (e = readdir(dir));)
        if (e->d_name[0] != '.') n++;
    closedir(dir);
    return n - 1;
}

void ecomd_process_metrics(ecomd_doc *d)
{
    proc_stat ps;
    double tick = (double)sysconf(_SC_CLK_TCK);
    long page = sysconf(_SC_PAGESIZE);
    if (read_stat(&ps) && tick > 0) {
        long long boot = boot_time();
        ecomd_doc_printf(d,
                         "# HELP process_cpu_seconds_total User and system CPU time spent.\n"
                         "# TYPE process_cpu_seconds_total counter\n"
                         "process_cpu_seconds_total %.2f\n"
                         "# HELP process_resident_memory_bytes Resident memory size.\n"
                         "# TYPE process_resident_memory_bytes gauge\n"
                         "process_resident_memory_bytes %lld\n"
                         "# HELP process_virtual_memory_bytes Virtual memory size.\n"
                         "# TYPE process_virtual_memory_bytes gauge\n"
                         "process_virtual_memory_bytes %llu\n",
                         (double)(ps.utime + ps.stime) / tick, ps.rss * page, ps.vsize);
        if (boot >= 0)
            ecomd_doc_printf(d,
                             "# HELP process_start_time_seconds Start time of the process since "
                             "the Unix epoch.\n"
                             "# TYPE process_start_time_seconds gauge\n"
                             "process_start_time_seconds %.2f\n",
                             (double)boot + (double)ps.starttime / tick);
    }
    long fds = open_fds();
    if (fds >= 0)
        ecomd_doc_printf(d,
                         "# HELP process_open_fds Open file descriptors.\n"
                         "# TYPE process_open_fds gauge\nprocess_open_fds %ld\n",
                         fds);
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
        ecomd_doc_printf(d,
                         "# HELP process_max_fds Limit of open file descriptors.\n"
                         "# TYPE process_max_fds gauge\nprocess_max_fds %llu\n",
                         (unsigned long long)rl.rlim_cur);
}
