// The UDP -> TCP fallback when a reply has TC set. named never truncates UPDATE replies, so a
// stand-in answers every UDP datagram with a bare TC=1 header, while TCP on the same port is
// forwarded to the real named: the retry's result is real, and visible in named.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <atomic>
#include <thread>

#include "ddns/nsupdate/update_client.hpp"
#include "named_server.hpp"

namespace ddns {
namespace {

int bound_socket(int type, std::uint16_t port) {
    const int fd = ::socket(AF_INET, type, 0);
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

// Copies bytes both ways between two connected sockets until either side closes.
void splice(int a, int b, const std::atomic<bool>& stop) {
    char buf[4096];
    while (!stop) {
        pollfd fds[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
        if (::poll(fds, 2, 50) <= 0) continue;
        for (int i = 0; i < 2; ++i) {
            if (!(fds[i].revents & (POLLIN | POLLHUP))) continue;
            const ssize_t n = ::recv(fds[i].fd, buf, sizeof buf, 0);
            if (n <= 0) return;
            if (::send(fds[1 - i].fd, buf, static_cast<std::size_t>(n), MSG_NOSIGNAL) != n) return;
        }
    }
}

class TruncatingFront {
public:
    TruncatingFront(std::uint16_t port, std::uint16_t named_port) : named_port_(named_port) {
        udp_ = bound_socket(SOCK_DGRAM, port);
        tcp_ = bound_socket(SOCK_STREAM, port);
        if (udp_ < 0 || tcp_ < 0 || ::listen(tcp_, 4) != 0)
            throw std::runtime_error("cannot bind the truncating front");
        thread_ = std::thread([this] { run(); });
    }
    ~TruncatingFront() {
        stop_ = true;
        thread_.join();
        ::close(udp_);
        ::close(tcp_);
    }
    int truncated_replies() const { return truncated_; }
    int tcp_connections() const { return tcp_connections_; }

private:
    void run() {
        while (!stop_) {
            pollfd fds[2] = {{udp_, POLLIN, 0}, {tcp_, POLLIN, 0}};
            if (::poll(fds, 2, 50) <= 0) continue;
            if (fds[0].revents & POLLIN) answer_truncated();
            if (fds[1].revents & POLLIN) forward_one_connection();
        }
    }
    void answer_truncated() {
        unsigned char query[4096];
        sockaddr_in from{};
        socklen_t len = sizeof from;
        const ssize_t n =
            ::recvfrom(udp_, query, sizeof query, 0, reinterpret_cast<sockaddr*>(&from), &len);
        if (n < 12) return;
        // Header only: same id, QR=1, opcode UPDATE, TC=1, NOERROR, all counts zero.
        unsigned char reply[12] = {query[0], query[1], 0x80 | (5 << 3) | 0x02, 0, 0, 0, 0, 0, 0, 0,
                                   0,        0};
        ::sendto(udp_, reply, sizeof reply, 0, reinterpret_cast<sockaddr*>(&from), len);
        ++truncated_;
    }
    void forward_one_connection() {
        const int client = ::accept(tcp_, nullptr, nullptr);
        if (client < 0) return;
        ++tcp_connections_;
        const int upstream = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(named_port_);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(upstream, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0)
            splice(client, upstream, stop_);
        ::close(upstream);
        ::close(client);
    }

    std::uint16_t named_port_;
    int udp_ = -1;
    int tcp_ = -1;
    std::atomic<bool> stop_{false};
    std::atomic<int> truncated_{0};
    std::atomic<int> tcp_connections_{0};
    std::thread thread_;
};

TEST(TruncationFallback, ATruncatedUdpReplyIsRetriedOverTcp) {
    auto named = test::NamedServer::start();
    const std::uint16_t port = test::free_port();
    TruncatingFront front(port, named->port());
    auto key = parse_tsig_key_file(test::read_file(named->key_file()));
    ASSERT_TRUE(key) << key.error();

    const auto owner = *DnsName::parse("tc.example.test");
    UpdateRequest request{*DnsName::parse("example.test"), {}, {}};
    request.operations.emplace_back(
        AddRecord{ResourceRecord::address(owner, 300, *IpAddress::parse("192.0.2.77"))});
    UpdateClient client;
    const auto result = client.send(request, *key, {*IpAddress::parse("127.0.0.1"), port});

    EXPECT_EQ(result.status, UpdateStatus::Success) << result.detail << "\n" << named->log();
    EXPECT_EQ(front.truncated_replies(), 1);
    EXPECT_EQ(front.tcp_connections(), 1);
    EXPECT_EQ(named->query("tc.example.test", "A"), std::vector<std::string>{"192.0.2.77"});
}

}  // namespace
}  // namespace ddns
