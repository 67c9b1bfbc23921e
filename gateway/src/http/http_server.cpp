#include "ddns/gateway/http/http_server.hpp"

#include <Poco/Net/Context.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/ServerSocket.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "ddns/auth/would_block.hpp"
#include "ddns/gateway/base/text.hpp"
#include "ddns/gateway/base/wait_hints.hpp"

#include "connection_cap.hpp"
#include "connection_loop.hpp"
#include "exchange.hpp"
#include "tls_context.hpp"
#include "worker_pool.hpp"

namespace ddns::gateway {

std::string ListenAddress::to_string() const {
    const bool v6 = host.find(':') != std::string::npos;
    return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}
namespace {

// Whether the request's user (Basic credentials) had to wait with its last request, so that
// trying this one on the loop would most likely be given up and redone by a worker
// (base/wait_hints.hpp).
bool last_request_waited(const RequestHead& head) {
    if (!WaitHints::process_wide().any()) return false;
    for (const auto& h : head.headers) {
        if (!text::iequals(h.name, "Authorization")) continue;
        const auto credentials = parse_basic_authorization(h.value);
        return credentials && WaitHints::process_wide().expects_wait(credentials->username);
    }
    return false;
}

// A bound, listening socket. TLS is spoken by the connection loop on the accepted sockets.
Poco::Net::ServerSocket listen_on(const ListenAddress& listen, bool tls) {
    const std::string scheme = tls ? "https://" : "http://";
    try {
        Poco::Net::ServerSocket socket;
        const Poco::Net::SocketAddress address(listen.host, listen.port);
        // SO_REUSEADDR lets a restart bind while old connections sit in TIME_WAIT. SO_REUSEPORT
        // must stay off: with it a second gateway on the same port would start without an error
        // and the kernel would share the connections between the two. POCO's two-argument
        // bind() turns both on, so every call spells the flags out.
        constexpr bool kReuseAddress = true;
        constexpr bool kReusePort = false;
        if (address.family() == Poco::Net::SocketAddress::IPv6)
            socket.bind6(address, kReuseAddress, kReusePort, /*ipV6Only=*/true);
        else
            socket.bind(address, kReuseAddress, kReusePort);
        socket.listen(4096);  // the kernel caps it at net.core.somaxconn
        return socket;
    } catch (const Poco::Exception& e) {
        throw std::runtime_error("cannot listen on " + scheme + listen.to_string() + ": " +
                                 e.displayText());
    }
}

}  // namespace

// A listening socket and what it was configured as.
struct Listener {
    ListenAddress address;  // with the bound port
    Poco::Net::ServerSocket socket;
    bool tls = false;
};

struct HttpServer::Impl {
    HttpServerOptions config;
    RequestRouter& router;
    const Logger& log;
    Poco::Net::Context::Ptr tls;
    // Contexts replaced by reload_tls(): the loop may still be making a connection with one,
    // and open connections hold references; freed with the server (renewals are rare).
    std::vector<Poco::Net::Context::Ptr> retired_tls;
    std::vector<Listener> listeners;
    std::unique_ptr<ConnectionCap> cap;
    std::unique_ptr<WorkerPool> pool;
    std::vector<std::unique_ptr<ConnectionLoop>> loops;
    std::vector<std::uint16_t> ports;
    std::vector<std::uint16_t> https_ports;

    std::vector<Listener> bind_all();
    LoopOptions loop_options() const;
};

HttpServer::HttpServer(HttpServerOptions options, RequestRouter& router, const Logger& log)
    : impl_(std::make_unique<Impl>(
          Impl{std::move(options), router, log, {}, {}, {}, nullptr, nullptr, {}, {}, {}})) {}

HttpServer::~HttpServer() {
    stop();
}

void HttpServer::start() {
    // Every address is bound before any is served: a taken port or a bad key stops the start
    // with nothing half-served, and once one listener answers, all of them accept connections.
    impl_->listeners = impl_->bind_all();
    impl_->cap = std::make_unique<ConnectionCap>(impl_->config.max_connections_per_address,
                                                 impl_->config.trusted_proxies);
    // Every listener, plain or TLS, takes its request threads from this one pool.
    impl_->pool = std::make_unique<WorkerPool>(impl_->config.threads, impl_->config.max_queued);
    std::vector<LoopListener> sockets;
    for (const auto& l : impl_->listeners) {
        sockets.push_back({l.socket.impl()->sockfd(), l.tls ? impl_->tls->sslContext() : nullptr});
        (l.tls ? impl_->https_ports : impl_->ports).push_back(l.address.port);
    }
    Impl& impl = *impl_;
    const auto serve = [&impl](const Exchange& exchange) {
        return serve_exchange(exchange, impl.router, impl.log, impl.config);
    };
    // The inline attempt: the same serve_exchange, on the loop's thread, given up at the first
    // wait (auth/would_block.hpp). WouldBlock is no std::exception: serve_exchange lets it by.
    ConnectionLoop::TryServe try_serve;
    if (impl_->config.answer_inline)
        try_serve = [&impl](const Exchange& exchange) -> std::optional<Answer> {
            if (last_request_waited(exchange.head)) return std::nullopt;
            auth::NonBlockingScope scope;
            try {
                Answer answer = serve_exchange(exchange, impl.router, impl.log, impl.config);
                scope.done();
                return answer;
            } catch (const auth::WouldBlock&) {
                return std::nullopt;
            }
        };
    std::size_t loops = impl_->config.loops;
    if (loops == 0) loops = std::max(1U, std::thread::hardware_concurrency());
    for (std::size_t i = 0; i < loops; ++i)
        impl_->loops.push_back(std::make_unique<ConnectionLoop>(
            sockets, *impl_->cap, *impl_->pool, serve, try_serve, impl_->loop_options()));
    for (auto& loop : impl_->loops) loop->start();
    for (const auto& l : impl_->listeners)
        impl_->log.info(std::string("listening on ") + (l.tls ? "https://" : "http://") +
                        l.address.to_string());
}

std::vector<Listener> HttpServer::Impl::bind_all() {
    if (!config.https_listen.empty()) {
        auto context = make_tls_server_context(config);
        if (!context) throw std::runtime_error(context.error());
        tls = *context;
    }
    std::vector<Listener> out;
    for (const auto* list : {&config.http_listen, &config.https_listen}) {
        const bool secure = list == &config.https_listen;
        for (const auto& listen : *list) {
            auto socket = listen_on(listen, secure);
            const auto port = socket.address().port();
            out.push_back(Listener{ListenAddress{listen.host, port}, socket, secure});
        }
    }
    return out;
}

LoopOptions HttpServer::Impl::loop_options() const {
    using std::chrono::duration_cast;
    using std::chrono::milliseconds;
    LoopOptions o;
    o.header_timeout = duration_cast<milliseconds>(config.header_timeout);
    o.body_timeout = duration_cast<milliseconds>(config.body_timeout);
    o.keepalive_timeout = duration_cast<milliseconds>(config.keepalive_timeout);
    o.max_body_bytes = config.max_body_bytes;
    o.max_keepalive_requests = config.max_keepalive_requests;
    return o;
}

bool HttpServer::shutdown(std::chrono::milliseconds grace) {
    bool drained = true;
    if (impl_) {
        const auto until = std::chrono::steady_clock::now() + grace;
        for (auto& loop : impl_->loops) loop->begin_drain();
        for (auto& loop : impl_->loops) drained = loop->wait_drained(until) && drained;
    }
    stop();
    return drained;
}

std::optional<std::string> HttpServer::reload_tls() {
    if (impl_->config.https_listen.empty() || impl_->loops.empty()) return std::nullopt;
    auto context = make_tls_server_context(impl_->config);
    if (!context) return context.error();
    impl_->retired_tls.push_back(impl_->tls);
    impl_->tls = *context;
    for (auto& loop : impl_->loops) loop->set_tls(impl_->tls->sslContext());
    return std::nullopt;
}

bool HttpServer::responsive(std::chrono::milliseconds within) const {
    if (impl_->loops.empty()) return false;
    const auto now = std::chrono::steady_clock::now();
    return std::all_of(impl_->loops.begin(), impl_->loops.end(),
                       [&](const auto& loop) { return now - loop->last_turn() <= within; });
}

// The loops stop first (no new work, every connection closed), then the pool (running requests
// end; their answers go nowhere), then the listening sockets close.
void HttpServer::stop() {
    if (!impl_) return;
    for (auto& loop : impl_->loops) loop->stop();
    if (impl_->pool) impl_->pool->stop();
    impl_->loops.clear();
    impl_->pool.reset();
    impl_->cap.reset();
    impl_->listeners.clear();
}

std::vector<std::uint16_t> HttpServer::ports() const {
    return impl_->ports;
}

std::vector<std::uint16_t> HttpServer::https_ports() const {
    return impl_->https_ports;
}

std::size_t HttpServer::threads_busy() const {
    return impl_->pool ? impl_->pool->busy() : 0;
}

std::size_t HttpServer::connections_open() const {
    std::size_t open = 0;
    for (const auto& loop : impl_->loops) open += loop->open();
    return open;
}

}  // namespace ddns::gateway
