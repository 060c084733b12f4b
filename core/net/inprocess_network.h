#pragma once

#include "core/net/event_loop.h"
#include "core/net/transport.h"

#include <QHash>
#include <QSet>

#include <map>
#include <random>

namespace mg::net {

struct LinkConditions
{
    TimeUs latencyUs = 1000; // fixed part (LAN-like by default: 1 ms)
    TimeUs jitterUs = 500;   // uniform extra delay in [0, jitter]
    double lossRate = 0.0;   // probability a message is dropped
    // Time a node spends handling one received message (checking its signature, updating
    // state); messages queue at a busy node. 0 (the default) models infinitely fast nodes. The
    // paper benchmark sets it, so a biller with many voters is slower than one with few.
    TimeUs processingUs = 0;
};

// The embedded network: delivers messages between in-process nodes through the event loop after
// a seeded random latency; can drop messages, crash nodes and split the network into partitions.
// Deterministic for a given seed on the virtual clock.
class InProcessNetwork : public Transport
{
public:
    InProcessNetwork(EventLoop &loop, quint64 seed, LinkConditions conditions = {});

    void attach(const NodeId &node, Endpoint *endpoint) override;
    void detach(const NodeId &node) override;
    void send(const NodeId &to, const MessagePtr &message) override;

    void setConditions(const LinkConditions &conditions) { m_conditions = conditions; }
    const LinkConditions &conditions() const { return m_conditions; }

    // A down node neither sends nor receives (a crash); messages in flight to it are lost.
    void setDown(const NodeId &node, bool down);
    bool isDown(const NodeId &node) const { return m_down.contains(node); }

    // Nodes in different partitions cannot reach each other; nodes not listed form one more
    // partition together. heal() removes all partitions.
    void partition(const QList<QList<NodeId>> &parts);
    void heal();
    bool canReach(const NodeId &from, const NodeId &to) const;

    struct Stats { quint64 sent = 0; quint64 delivered = 0; quint64 dropped = 0; quint64 bytes = 0; };
    const Stats &stats() const { return m_stats; }

private:
    double uniform01();

    EventLoop &m_loop;
    std::mt19937_64 m_rng;
    LinkConditions m_conditions;
    QHash<NodeId, Endpoint *> m_endpoints;
    QHash<NodeId, int> m_partitionOf;
    QSet<NodeId> m_down;
    QHash<NodeId, TimeUs> m_busyUntil; // per node, with processingUs > 0
    Stats m_stats;
};

} // namespace mg::net
