#pragma once

#include <QtGlobal>

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <queue>
#include <unordered_set>
#include <vector>

namespace mg::net {

// Time in microseconds. Virtual: since the scenario's start time; real: since the Unix epoch.
using TimeUs = qint64;
constexpr TimeUs UsPerMs = 1000;
constexpr TimeUs UsPerSecond = 1000000;

enum class ClockMode { Virtual, Real };

// The engine's single-threaded scheduler. Thousands of nodes share one loop (no thread per node).
// Virtual clock: discrete events in (time, sequence) order; time jumps to the next event, so a
// seeded run is deterministic and ten simulated minutes take seconds. Real clock: events run when
// their wall-clock time comes. Everything except post() and stop() is for the loop's own thread.
class EventLoop
{
public:
    using TimerId = quint64;

    explicit EventLoop(ClockMode mode, TimeUs virtualStartUs = 0);

    ClockMode mode() const { return m_mode; }
    TimeUs now() const;
    qint64 nowMs() const { return now() / UsPerMs; }

    TimerId schedule(TimeUs delayUs, std::function<void()> fn);
    void cancel(TimerId id);

    // Thread-safe: run fn on the loop's thread as soon as possible (commands from UI/CLI threads).
    void post(std::function<void()> fn);
    // Thread-safe: makes run*/runFor return after the current event.
    void stop();

    // Runs events whose time is <= now() + durationUs, then leaves the clock there (virtual) or
    // returns when that much wall time has passed (real). Returns false if stopped.
    bool runFor(TimeUs durationUs);
    // Runs until stop() (real clock) or until no event is left (virtual clock).
    void run();

    quint64 processedEvents() const { return m_processed; }
    size_t pendingEvents() const { return m_queue.size() - m_cancelled.size(); }

private:
    struct Event
    {
        TimeUs at;
        quint64 seq;
        TimerId id;
        std::function<void()> fn;
        bool operator>(const Event &o) const { return at != o.at ? at > o.at : seq > o.seq; }
    };

    TimeUs realNow() const;
    bool drainPosted();
    bool runUntil(TimeUs endUs, bool untilIdle);

    ClockMode m_mode;
    TimeUs m_virtualNow;
    quint64 m_seq = 0;
    quint64 m_processed = 0;
    std::priority_queue<Event, std::vector<Event>, std::greater<>> m_queue;
    std::unordered_set<TimerId> m_queued;    // ids in m_queue (cancel() of a fired timer is a no-op)
    std::unordered_set<TimerId> m_cancelled; // subset of m_queued, skipped when popped

    std::mutex m_mutex; // guards the fields below (cross-thread)
    std::condition_variable m_wake;
    std::deque<std::function<void()>> m_posted;
    bool m_stop = false;
};

} // namespace mg::net
