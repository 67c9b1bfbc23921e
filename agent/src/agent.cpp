// The update rounds: which hosts are due, what to send, and what the answer changes.
#include "ddns/agent/agent.hpp"

#include <iostream>
#include <random>

#include "ddns/agent/backoff.hpp"
#include "protocol.hpp"

namespace ddns::agent {
namespace {

void log(std::string_view level, std::string_view text) {
    std::cerr << "ddns-agent: " << level << ": " << text << '\n';
}

std::string key(const std::string& host, IpFamily family) {
    return host + (family == IpFamily::V4 ? " v4" : " v6");
}

}  // namespace

Agent::Agent(AgentConfig config, Send send, Fetch fetch)
    : config_(std::move(config)), send_(std::move(send)), fetch_(std::move(fetch)) {
    random_ = [engine = std::mt19937_64(std::random_device{}())]() mutable { return engine(); };
    if (!config_.state_file.empty()) {
        LoadedState loaded = load_state(config_.state_file);
        if (loaded.corrupt) {
            log("warning", "state file " + config_.state_file +
                               " is unreadable; starting fresh (it is rewritten after the next "
                               "update)");
        }
        state_ = std::move(loaded.entries);
    }
    for (const auto& host : config_.hostnames) status_[host];
}

std::optional<Agent::Addresses> Agent::gather(std::string& why) const {
    SourceEnvironment env{fetch_, config_.server + "/myip", if_inet6_, config_.allow_private};
    Addresses out;
    bool any = false;
    auto one = [&](const AddressSource& source, IpFamily family, std::optional<IpAddress>& slot,
                   bool& automatic) {
        using K = AddressSource::Kind;
        if (source.kind == K::Off) return;
        if (source.kind == K::Auto) {
            automatic = true;
            any = true;
            // Only to notice a change: the address itself is left to the server.
            if (auto seen = read_address({K::Web, {}}, family, env)) slot = *seen;
            return;
        }
        auto address = read_address(source, family, env);
        if (!address) {
            why += (why.empty() ? "" : "; ") + address.error();
            return;
        }
        slot = *address;
        any = true;
    };
    one(config_.ipv4, IpFamily::V4, out.v4, out.v4_auto);
    one(config_.ipv6, IpFamily::V6, out.v6, out.v6_auto);
    if (!any) return std::nullopt;
    return out;
}

std::chrono::seconds Agent::refresh() const {
    return config_.protocol == Protocol::Dynamip
               ? std::min(config_.heartbeat_interval, config_.max_interval)
               : config_.max_interval;
}

bool Agent::due(const std::string& host, const Addresses& a, TimePoint now) const {
    const auto refresh = this->refresh();
    auto family_due = [&](IpFamily family, const std::optional<IpAddress>& address,
                          bool automatic) {
        if (!address && !automatic) return false;
        const auto it = state_.find(key(host, family));
        if (it == state_.end() || it->second.sent_at > now) return true;
        if (now - it->second.sent_at >= refresh) return true;
        return address && it->second.address != address->to_string();
    };
    return family_due(IpFamily::V4, a.v4, a.v4_auto) || family_due(IpFamily::V6, a.v6, a.v6_auto);
}

Answer Agent::update_host(const std::string& host, const Addresses& a) {
    ProtocolInput input{config_, host, std::nullopt, std::nullopt, false, false, std::nullopt};
    if (a.v4 && !a.v4_auto) input.v4 = *a.v4;
    if (a.v6 && !a.v6_auto) input.v6 = *a.v6;
    input.v4_auto = a.v4_auto;
    input.v6_auto = a.v6_auto;
    if (const auto it = state_.find(key(host, IpFamily::V4)); it != state_.end()) {
        input.previous_v4 = IpAddress::parse(it->second.address);
    }
    Answer last{Verdict::Success, "nothing to send", std::nullopt};
    for (const auto& step : build_requests(input)) {
        Answer answer = classify(config_.protocol, send_(step.request));
        if (step.ignore_failure && answer.verdict == Verdict::Fatal) continue;
        if (answer.verdict != Verdict::Success) return answer;
        last = std::move(answer);
    }
    return last;
}

void Agent::record(const std::string& host, const Addresses& a, const Answer& answer,
                   TimePoint now) {
    HostRun& run = runs_[host];
    HostStatus& s = status_[host];
    s.last_attempt = now;
    s.last_answer = answer.reason;
    switch (answer.verdict) {
        case Verdict::Success: {
            run.failures = 0;
            // No hold after a success: due() decides (change, max_interval, heartbeat).
            run.next_attempt = TimePoint{};
            s.state = "ok";
            s.last_success = now;
            if (a.v4 || a.v4_auto) {
                state_[key(host, IpFamily::V4)] = {a.v4 ? a.v4->to_string() : "auto", now};
                s.ipv4 = a.v4 ? a.v4->to_string() : "";
            }
            if (a.v6 || a.v6_auto) {
                state_[key(host, IpFamily::V6)] = {a.v6 ? a.v6->to_string() : "auto", now};
                s.ipv6 = a.v6 ? a.v6->to_string() : "";
            }
            log("info", host + ": " + answer.reason);
            break;
        }
        case Verdict::Temporary: {
            ++run.failures;
            const auto delay = backoff_delay({config_.backoff_min, config_.backoff_max},
                                             run.failures, random_(), answer.retry_after);
            run.next_attempt = now + delay;
            s.state = "retrying";
            log("warning", host + ": " + answer.reason + "; retrying in " +
                               std::to_string(delay.count()) + "s");
            break;
        }
        case Verdict::Fatal: {
            run.stopped = true;
            s.state = "stopped";
            log("error", host + ": " + answer.reason +
                             "; updates for this host stop until the configuration changes "
                             "(SIGHUP) or SIGUSR1");
            break;
        }
    }
    if (run.stopped) {
        s.next_attempt = std::nullopt;
    } else if (answer.verdict == Verdict::Success) {
        s.next_attempt = now + std::min(config_.interval, refresh());
    } else {
        s.next_attempt = run.next_attempt;
    }
}

void Agent::persist() const {
    if (!config_.state_file.empty() && !save_state(config_.state_file, state_)) {
        log("warning", "cannot write state file " + config_.state_file);
    }
    if (!config_.status_file.empty() &&
        !write_file_atomically(config_.status_file, format_status(status_))) {
        log("warning", "cannot write status file " + config_.status_file);
    }
}

RoundResult Agent::run_round(TimePoint now, bool force) {
    bool fatal = false;
    bool temporary = false;
    std::string why;
    const auto addresses = gather(why);
    if (!why.empty()) log("warning", why);
    for (const auto& host : config_.hostnames) {
        HostRun& run = runs_[host];
        if (force) run = HostRun{};
        if (run.stopped) {
            fatal = true;
            continue;
        }
        if (!addresses) {
            temporary = true;
            status_[host].last_answer = why;
            continue;
        }
        if (now < run.next_attempt) {
            temporary = temporary || run.failures > 0;
            continue;
        }
        if (!force && !due(host, *addresses, now)) continue;
        const Answer answer = update_host(host, *addresses);
        record(host, *addresses, answer, now);
        fatal = fatal || answer.verdict == Verdict::Fatal;
        temporary = temporary || answer.verdict == Verdict::Temporary;
    }
    persist();
    if (fatal) return RoundResult::Fatal;
    return temporary ? RoundResult::Temporary : RoundResult::Success;
}

TimePoint Agent::next_wakeup(TimePoint now) const {
    TimePoint wake = now + config_.interval;
    for (const auto& [host, run] : runs_) {
        if (!run.stopped && run.next_attempt > now && run.next_attempt < wake) {
            wake = run.next_attempt;
        }
    }
    // A heartbeat shorter than the interval is not delayed to the next check.
    for (const auto& [key, entry] : state_) {
        const TimePoint refresh_at = entry.sent_at + refresh();
        if (refresh_at > now && refresh_at < wake) wake = refresh_at;
    }
    return wake;
}

}  // namespace ddns::agent
