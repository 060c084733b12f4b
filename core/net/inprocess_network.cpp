#include "core/net/inprocess_network.h"

#include <algorithm>

namespace mg::net {

InProcessNetwork::InProcessNetwork(EventLoop &loop, quint64 seed, LinkConditions conditions)
    : m_loop(loop)
    , m_rng(seed)
    , m_conditions(conditions)
{
}

void InProcessNetwork::attach(const NodeId &node, Endpoint *endpoint)
{
    m_endpoints.insert(node, endpoint);
}

void InProcessNetwork::detach(const NodeId &node)
{
    m_endpoints.remove(node);
}

// Our own mapping from the 64-bit generator: std::uniform_real_distribution's output differs
// between standard libraries, which would break byte-identical replays.
double InProcessNetwork::uniform01()
{
    return double(m_rng() >> 11) * (1.0 / 9007199254740992.0);
}

void InProcessNetwork::send(const NodeId &to, const MessagePtr &message)
{
    ++m_stats.sent;
    m_stats.bytes += quint64(message->body().size());
    const NodeId &from = message->from();
    // Draw the random numbers before any early return so the sequence does not depend on state.
    const double loss = uniform01();
    const double jitter = uniform01();
    if (m_down.contains(from) || !canReach(from, to) || (m_conditions.lossRate > 0 && loss < m_conditions.lossRate)) {
        ++m_stats.dropped;
        return;
    }
    TimeUs delay = m_conditions.latencyUs + TimeUs(jitter * double(m_conditions.jitterUs));
    if (m_conditions.processingUs > 0) {
        // The recipient handles messages one at a time: this one waits for those before it.
        const TimeUs arrival = m_loop.now() + delay;
        TimeUs &busy = m_busyUntil[to];
        busy = std::max(busy, arrival) + m_conditions.processingUs;
        delay = busy - m_loop.now();
    }
    m_loop.schedule(delay, [this, to, message] {
        Endpoint *endpoint = m_endpoints.value(to);
        if (!endpoint || m_down.contains(to) || !canReach(message->from(), to)) {
            ++m_stats.dropped;
            return;
        }
        ++m_stats.delivered;
        endpoint->deliver(message);
    });
}

void InProcessNetwork::setDown(const NodeId &node, bool down)
{
    if (down)
        m_down.insert(node);
    else
        m_down.remove(node);
}

void InProcessNetwork::partition(const QList<QList<NodeId>> &parts)
{
    m_partitionOf.clear();
    for (int i = 0; i < parts.size(); ++i)
        for (const NodeId &n : parts[i])
            m_partitionOf.insert(n, i + 1);
}

void InProcessNetwork::heal()
{
    m_partitionOf.clear();
}

bool InProcessNetwork::canReach(const NodeId &from, const NodeId &to) const
{
    if (m_partitionOf.isEmpty())
        return true;
    return m_partitionOf.value(from, 0) == m_partitionOf.value(to, 0);
}

} // namespace mg::net
