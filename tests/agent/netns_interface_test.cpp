// `ipv6 = interface NAME` against a real kernel: a fresh network namespace with a dummy
// interface (a veth pair when the kernel has no dummy type), documentation addresses only, and
// the kernel's own temporary (privacy) address next to a stable and a deprecated one. The agent
// runs inside the namespace and must send the stable address. Needs root (CI runs as root):
// without it the test fails, it never passes silently.
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "scripted_server.hpp"
#include "test_support.hpp"

namespace ddns::test {
namespace {

class Fd {
public:
    explicit Fd(const std::string& path) : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {}
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }

private:
    int fd_;
};

class NetnsInterface : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_EQ(::geteuid(), 0u) << "this test needs root to create a network namespace "
                                      "(ip netns add); run it as root, as CI does";
        const auto add = run_command({"ip", "netns", "add", name});
        ASSERT_EQ(add.exit_code, 0) << add.output;
        created = true;
    }
    void TearDown() override {
        if (created) run_command({"ip", "netns", "del", name});
    }
    CommandResult in_ns(const std::string& script) {
        return run_command({"ip", "netns", "exec", name, "sh", "-ec", script});
    }

    std::string name = "ddnsagent" + std::to_string(::getpid());
    bool created = false;
    TempDir dir{"ddns-agent-netns"};
};

TEST_F(NetnsInterface, StableIpv6WinsOverTemporaryAndDeprecated) {
    ASSERT_EQ(in_ns("ip link set lo up").exit_code, 0);
    std::string kind = "dummy";
    if (in_ns("ip link add d0 type dummy").exit_code != 0) {
        kind = "veth";
        std::cout << "[ netns    ] the kernel has no dummy interface type; using a veth pair\n";
        const auto veth = in_ns("ip link add d0 type veth peer name d1 && ip link set d1 up");
        ASSERT_EQ(veth.exit_code, 0) << veth.output;
    }
    // No duplicate address detection (nothing else is on the link); privacy addresses on.
    const auto setup = in_ns(
        "echo 0 > /proc/sys/net/ipv6/conf/d0/accept_dad\n"
        "echo 2 > /proc/sys/net/ipv6/conf/d0/use_tempaddr\n"
        "ip link set d0 up\n"
        "ip -6 addr add 2001:db8:1::20/64 dev d0 mngtmpaddr\n"
        "ip -6 addr add 2001:db8:1::1/64 dev d0 preferred_lft 0\n"
        "ip -6 addr add fd00:db8::1/64 dev d0\n"
        "ip -4 addr add 192.0.2.10/24 dev d0\n");
    ASSERT_EQ(setup.exit_code, 0) << setup.output;
    // The kernel derives a temporary address from the mngtmpaddr one (flag 0x01 in if_inet6).
    ASSERT_TRUE(wait_until([&] {
        return !in_ns("awk '$6 == \"d0\" && $5 == \"01\"' /proc/net/if_inet6").output.empty();
    })) << in_ns("ip -6 addr show dev d0").output;
    std::cout << "[ netns    ] " << kind << " d0:\n" << in_ns("ip -6 addr show dev d0").output;

    // The scripted server listens on the namespace's loopback: its socket is made while this
    // thread is inside the namespace.
    std::unique_ptr<ScriptedServer> server;
    {
        const Fd home("/proc/self/ns/net");
        const Fd target("/var/run/netns/" + name);
        ASSERT_GE(target.get(), 0);
        ASSERT_EQ(::setns(target.get(), CLONE_NEWNET), 0);
        server = std::make_unique<ScriptedServer>();
        ASSERT_EQ(::setns(home.get(), CLONE_NEWNET), 0);
    }
    server->push({"good 2001:db8:1::20"});
    server->push({"good 192.0.2.10"});
    const auto config = dir.path() / "agent.conf";
    write_file(config, "server = http://127.0.0.1:" + std::to_string(server->port()) +
                           "\ninsecure_http = yes\nusername = u\npassword = p\n"
                           "hostname = home.example.test\nipv4 = off\nipv6 = interface d0\n");
    auto r = run_command(
        {"ip", "netns", "exec", name, DDNS_AGENT_BINARY, "--config", config.string(), "--once"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    ASSERT_EQ(server->count(), 1u);
    EXPECT_EQ(server->seen()[0].target,
              "/nic/update?hostname=home.example.test&myip=2001%3Adb8%3A1%3A%3A20");

    // IPv4 from the same interface (getifaddrs).
    write_file(config, "server = http://127.0.0.1:" + std::to_string(server->port()) +
                           "\ninsecure_http = yes\nusername = u\npassword = p\n"
                           "hostname = home.example.test\nipv4 = interface d0\nipv6 = off\n");
    r = run_command(
        {"ip", "netns", "exec", name, DDNS_AGENT_BINARY, "--config", config.string(), "--once"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    ASSERT_EQ(server->count(), 2u);
    EXPECT_EQ(server->seen()[1].target, "/nic/update?hostname=home.example.test&myip=192.0.2.10");
}

}  // namespace
}  // namespace ddns::test
