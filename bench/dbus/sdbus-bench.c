/* sd-bus side of bench/dbus: the same work done with libsystemd, so ratios compare like with like.
 *   sdbus-bench get    ADDRESS N PATH INTERFACE PROPERTY   N x Properties.Get (round trips)
 *   sdbus-bench getall ADDRESS N PATH                      N x Properties.GetAll("") (round trips, reply decoded)
 *   sdbus-bench encode ADDRESS N                           N x build + parse a 400-property a{sv} in memory
 *                                                          (sd-bus needs a started bus to create messages)
 * Prints one number: operations per second. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <systemd/sd-bus.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what, int r) {
    fprintf(stderr, "sdbus-bench: %s: %s\n", what, strerror(-r));
    exit(1);
}

static sd_bus *connect_direct(const char *address) {
    sd_bus *bus;
    int r = sd_bus_new(&bus);
    if (r < 0) die("sd_bus_new", r);
    if ((r = sd_bus_set_address(bus, address)) < 0) die("set_address", r);
    /* A direct connection, as systemctl makes to the manager's private socket: no Hello. */
    if ((r = sd_bus_set_bus_client(bus, 0)) < 0) die("set_bus_client", r);
    if ((r = sd_bus_negotiate_fds(bus, 1)) < 0) die("negotiate_fds", r);
    if ((r = sd_bus_start(bus)) < 0) die("start", r);
    return bus;
}

/* Reads (and so validates) every entry of an a{sv}, descending into each variant. */
static int read_properties(sd_bus_message *m) {
    int r, count = 0;
    if ((r = sd_bus_message_enter_container(m, 'a', "{sv}")) < 0) return r;
    while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
        const char *name, *contents;
        if ((r = sd_bus_message_read_basic(m, 's', &name)) < 0) return r;
        if ((r = sd_bus_message_peek_type(m, NULL, &contents)) < 0) return r;
        if ((r = sd_bus_message_skip(m, "v")) < 0) return r;
        if ((r = sd_bus_message_exit_container(m)) < 0) return r;
        count++;
    }
    if (r < 0) return r;
    if ((r = sd_bus_message_exit_container(m)) < 0) return r;
    return count;
}

/* The same 400 properties as bench/dbus/BenchObject.cs writes. */
static int append_properties(sd_bus_message *m) {
    int r;
    char name[32];
    if ((r = sd_bus_message_open_container(m, 'a', "{sv}")) < 0) return r;
    for (int i = 0; i < 400; i++) {
        snprintf(name, sizeof name, "Property%03d", i);
        if ((r = sd_bus_message_open_container(m, 'e', "sv")) < 0) return r;
        if ((r = sd_bus_message_append_basic(m, 's', name)) < 0) return r;
        switch (i % 8) {
        case 0: r = sd_bus_message_append(m, "v", "s", "/usr/lib/systemd/user/some-unit.service"); break;
        case 1: r = sd_bus_message_append(m, "v", "u", (uint32_t) i); break;
        case 2: r = sd_bus_message_append(m, "v", "t", (uint64_t) 1700000000000000ULL + i); break;
        case 3: r = sd_bus_message_append(m, "v", "b", i % 3 == 0); break;
        case 4: r = sd_bus_message_append(m, "v", "as", 3, "default.target", "basic.target", "sockets.target"); break;
        case 5: r = sd_bus_message_append(m, "v", "i", -i); break;
        case 6: r = sd_bus_message_append(m, "v", "(ss)", "", ""); break;
        default:
            r = sd_bus_message_open_container(m, 'v', "a(sasbttttuii)");
            if (r >= 0) r = sd_bus_message_append(m, "a(sasbttttuii)", 1, "/bin/sleep", 2, "/bin/sleep", "infinity", 0,
                                                  (uint64_t) 1, (uint64_t) 2, (uint64_t) 3, (uint64_t) 4, (uint32_t) 1234, 1, 0);
            if (r >= 0) r = sd_bus_message_close_container(m);
            break;
        }
        if (r < 0) return r;
        if ((r = sd_bus_message_close_container(m)) < 0) return r;
    }
    return sd_bus_message_close_container(m);
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: see the comment at the top of sdbus-bench.c\n"); return 2; }
    const char *mode = argv[1];
    int r;
    if (strcmp(mode, "encode") == 0 && argc >= 4) {
        sd_bus *bus = connect_direct(argv[2]);
        long n = atol(argv[3]);
        double start = now();
        for (long i = 0; i < n; i++) {
            sd_bus_message *m;
            if ((r = sd_bus_message_new_signal(bus, &m, "/org/freedesktop/systemd1", "org.freedesktop.DBus.Properties", "X")) < 0) die("new", r);
            if ((r = append_properties(m)) < 0) die("append", r);
            if ((r = sd_bus_message_seal(m, i + 1, 0)) < 0) die("seal", r);
            if ((r = sd_bus_message_rewind(m, 1)) < 0) die("rewind", r);
            if ((r = read_properties(m)) != 400) die("read", r < 0 ? r : -EBADMSG);
            sd_bus_message_unref(m);
        }
        printf("%.0f\n", n / (now() - start));
        return 0;
    }
    if (argc < 5) { fprintf(stderr, "usage: see the comment at the top of sdbus-bench.c\n"); return 2; }
    sd_bus *bus = connect_direct(argv[2]);
    long n = atol(argv[3]);
    const char *path = argv[4];
    double start = now();
    for (long i = 0; i < n; i++) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        if (strcmp(mode, "get") == 0)
            r = sd_bus_call_method(bus, "org.freedesktop.systemd1", path, "org.freedesktop.DBus.Properties", "Get", &error, &reply, "ss", argv[5], argv[6]);
        else
            r = sd_bus_call_method(bus, "org.freedesktop.systemd1", path, "org.freedesktop.DBus.Properties", "GetAll", &error, &reply, "s", "");
        if (r < 0) { fprintf(stderr, "sdbus-bench: call failed: %s\n", error.message ? error.message : strerror(-r)); return 1; }
        if (strcmp(mode, "getall") == 0 && (r = read_properties(reply)) < 100) die("GetAll reply", r < 0 ? r : -EBADMSG);
        sd_bus_message_unref(reply);
    }
    printf("%.0f\n", n / (now() - start));
    sd_bus_unref(bus);
    return 0;
}
