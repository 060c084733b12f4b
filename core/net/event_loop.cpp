#include "core/net/event_loop.h"

#include <chrono>

namespace mg::net {

EventLoop::EventLoop(ClockMode mode, TimeUs virtualStartUs)
    : m_mode(mode)
    , m_virtualNow(virtualStartUs)
{
}

TimeUs EventLoop::realNow() const
{
    using namespace std::chrono;
    return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

TimeUs EventLoop::now() const
{
    return m_mode == ClockMode::Virtual ? m_virtualNow : realNow();
}

EventLoop::TimerId EventLoop::schedule(TimeUs delayUs, std::function<void()> fn)
{
    const TimerId id = ++m_seq;
    m_queued.insert(id);
    m_queue.push(Event{now() + std::max<TimeUs>(0, delayUs), id, id, std::move(fn)});
    return id;
}

void EventLoop::cancel(TimerId id)
{
    // Only timers still queued: cancelling one that already fired must not skew pendingEvents().
    if (m_queued.contains(id))
        m_cancelled.insert(id);
}

void EventLoop::post(std::function<void()> fn)
{
    {
        std::lock_guard lock(m_mutex);
        m_posted.push_back(std::move(fn));
    }
    m_wake.notify_one();
}

void EventLoop::stop()
{
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_one();
}

// Runs posted functions; false when stop() was requested (the flag is consumed).
bool EventLoop::drainPosted()
{
    std::deque<std::function<void()>> posted;
    {
        std::lock_guard lock(m_mutex);
        posted.swap(m_posted);
        if (m_stop) {
            m_stop = false;
            return false;
        }
    }
    for (auto &fn : posted)
        fn();
    return true;
}

bool EventLoop::runUntil(TimeUs endUs, bool untilIdle)
{
    for (;;) {
        if (!drainPosted())
            return false;
        while (!m_queue.empty() && m_cancelled.erase(m_queue.top().id)) {
            m_queued.erase(m_queue.top().id);
            m_queue.pop();
        }

        if (m_mode == ClockMode::Virtual) {
            if (m_queue.empty() || (!untilIdle && m_queue.top().at > endUs)) {
                if (!untilIdle)
                    m_virtualNow = std::max(m_virtualNow, endUs);
                return true;
            }
            // const_cast: priority_queue has no non-const top(); the event is popped right after.
            Event ev = std::move(const_cast<Event &>(m_queue.top()));
            m_queue.pop();
            m_queued.erase(ev.id);
            m_virtualNow = std::max(m_virtualNow, ev.at);
            ++m_processed;
            ev.fn();
            continue;
        }

        const TimeUs t = realNow();
        if (!untilIdle && t >= endUs)
            return true;
        if (!m_queue.empty() && m_queue.top().at <= t) {
            Event ev = std::move(const_cast<Event &>(m_queue.top()));
            m_queue.pop();
            m_queued.erase(ev.id);
            ++m_processed;
            ev.fn();
            continue;
        }
        TimeUs wakeAt = untilIdle ? t + UsPerSecond : endUs;
        if (!m_queue.empty())
            wakeAt = std::min(wakeAt, m_queue.top().at);
        std::unique_lock lock(m_mutex);
        m_wake.wait_for(lock, std::chrono::microseconds(std::max<TimeUs>(0, wakeAt - t)),
                        [this] { return m_stop || !m_posted.empty(); });
    }
}

bool EventLoop::runFor(TimeUs durationUs)
{
    return runUntil(now() + durationUs, false);
}

void EventLoop::run()
{
    runUntil(0, true);
}

} // namespace mg::net
