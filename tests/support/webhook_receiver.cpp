#include "webhook_receiver.hpp"

#include <sstream>
#include <stdexcept>

#include "gateway_stack.hpp"

namespace ddns::test {
namespace fs = std::filesystem;
namespace {

std::string python() {
    return fs::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
}

// The string value of "name": in a one-line JSON object as json.dumps writes it (", " and ": "
// separators, escapes kept as they are).
std::string json_value(const std::string& line, const std::string& name) {
    const std::string head = "\"" + name + "\": ";
    const auto pos = line.find(head);
    if (pos == std::string::npos) return {};
    const std::size_t start = pos + head.size();
    if (line[start] != '"') return line.substr(start, line.find_first_of(",}", start) - start);
    std::string out;
    for (std::size_t i = start + 1; i < line.size() && line[i] != '"'; ++i) {
        if (line[i] == '\\' && i + 1 < line.size()) {
            ++i;
            out += line[i] == 'n' ? '\n' : line[i];
        } else {
            out += line[i];
        }
    }
    return out;
}

}  // namespace

std::string WebhookRequest::field(const std::string& name) const {
    // The gateway writes its document without spaces: "name":"value".
    const std::string head = "\"" + name + "\":\"";
    const auto pos = body.find(head);
    if (pos == std::string::npos) return {};
    const auto start = pos + head.size();
    return body.substr(start, body.find('"', start) - start);
}

WebhookReceiver::WebhookReceiver(int fail_first) : port_(free_port()), fail_first_(fail_first) {
    write_file(dir_.path() / "secret", "");
    start();
}

WebhookReceiver::~WebhookReceiver() {
    stop();
}

std::string WebhookReceiver::url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
}

void WebhookReceiver::set_secret(const std::string& secret) {
    write_file(dir_.path() / "secret", secret);
}

void WebhookReceiver::start() {
    if (process_) return;
    std::vector<std::string> argv = {
        python(),        DDNS_WEBHOOK_RECEIVER_SCRIPT,
        "--port",        std::to_string(port_),
        "--secret-file", (dir_.path() / "secret").string(),
        "--log",         (dir_.path() / "requests.jsonl").string(),
        "--fail",        std::to_string(starts_ == 0 ? fail_first_ : 0)};
    process_ = std::make_unique<ChildProcess>(argv, dir_.path() / "receiver.log");
    ++starts_;
    const int expected = starts_;
    const bool up = wait_until([&] {
        const std::string text = log();
        int count = 0;
        for (auto p = text.find("listening on"); p != std::string::npos;
             p = text.find("listening on", p + 1))
            ++count;
        return count >= expected || !process_->running();
    });
    if (!up || !process_->running() || !tcp_port_open(port_))
        throw std::runtime_error("webhook receiver did not start:\n" + log());
}

void WebhookReceiver::stop() {
    if (!process_) return;
    process_->stop();
    process_.reset();
}

std::vector<WebhookRequest> WebhookReceiver::requests() const {
    const auto file = dir_.path() / "requests.jsonl";
    std::vector<WebhookRequest> out;
    if (!fs::exists(file)) return out;
    std::istringstream in(read_file(file));
    for (std::string line; std::getline(in, line);) {
        if (line.empty()) continue;
        WebhookRequest r;
        r.key = json_value(line, "key");
        r.signature_ok = json_value(line, "signature_ok") == "true";
        r.duplicate = json_value(line, "duplicate") == "true";
        r.status = std::stoi(json_value(line, "status"));
        r.content_type = json_value(line, "content_type");
        r.body = json_value(line, "body");
        out.push_back(std::move(r));
    }
    return out;
}

std::vector<WebhookRequest> WebhookReceiver::accepted(const std::string& event) const {
    std::vector<WebhookRequest> out;
    for (auto& r : requests())
        if (r.status >= 200 && r.status < 300 && r.field("event") == event)
            out.push_back(std::move(r));
    return out;
}

std::string WebhookReceiver::log() const {
    return read_file(dir_.path() / "receiver.log");
}

}  // namespace ddns::test
