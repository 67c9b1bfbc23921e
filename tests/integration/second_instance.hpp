// A second gateway process on the stack's database and BIND, on an HTTP port of its own: another
// instance behind the same load balancer, as the principal cache's tests need it.
#pragma once

#include <signal.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "gateway_stack.hpp"

namespace ddns::test {

class SecondInstance {
public:
    // `edit` may change the stack's configuration text (its http.listen already moved).
    explicit SecondInstance(GatewayStack& stack,
                            const std::function<std::string(std::string)>& edit = {})
        : port_(free_port()) {
        std::string config = read_file(stack.config_path());
        const std::string listen = "http.listen = 127.0.0.1:" + std::to_string(stack.http_port());
        config.replace(config.find(listen), listen.size(),
                       "http.listen = 127.0.0.1:" + std::to_string(port_));
        if (edit) config = edit(config);
        write_file(dir_.path() / "second.conf", config);
        process_ = std::make_unique<ChildProcess>(
            std::vector<std::string>{gateway_binary(), "serve", "--config",
                                     (dir_.path() / "second.conf").string()},
            dir_.path() / "second.log");
        ready_ = wait_until(
            [&] { return http_exchange(port_, "GET /healthz HTTP/1.0\r\n\r\n").status == 200; });
    }
    bool ready() const { return ready_; }
    std::uint16_t port() const { return port_; }
    std::string log() const { return read_file(dir_.path() / "second.log"); }
    bool signal(int number) { return ::kill(process_->pid(), number) == 0; }
    bool running() { return process_->running(); }
    // SIGTERM (if still running), then the exit status (see ChildProcess::stop).
    int stop(std::chrono::milliseconds grace = std::chrono::seconds(5)) {
        return process_->stop(grace);
    }

private:
    TempDir dir_;
    std::uint16_t port_;
    std::unique_ptr<ChildProcess> process_;
    bool ready_ = false;
};

}  // namespace ddns::test
