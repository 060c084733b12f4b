#pragma once

// Helpers shared by the chain-engine tests (tst_election, tst_engine, tst_microgrid): hand-made
// rosters, scenarios on the virtual clock, and a recorder of final blocks.

#include "core/engine/engine.h"
#include "core/roster/demo_roster.h"

#include <QtTest>

#include <functional>
#include <memory>

namespace mg::test {

// A roster node. Generators nominate themselves; `score` (when >= 0) overrides the formula.
inline roster::NodeInfo makeNode(const QString &id, bool generator, bool renewable, double environmental,
                                 double cost, double stability, double score = -1)
{
    roster::NodeInfo n;
    n.id = id;
    n.name = QStringLiteral("Node ") + id;
    n.roles = generator ? (roster::Role::Generator | roster::Role::Consumer) : roster::Roles(roster::Role::Consumer);
    n.renewable = renewable;
    n.environmental = environmental;
    n.cost = cost;
    n.stability = stability;
    if (score >= 0)
        n.scoreOverride = score;
    return n;
}

// `count` generators N01..Nnn with distinct, descending scores: N01 scores highest.
inline QList<roster::NodeInfo> rankedRoster(int count)
{
    QList<roster::NodeInfo> nodes;
    for (int i = 0; i < count; ++i)
        nodes.append(makeNode(QStringLiteral("N%1").arg(i + 1, 2, 10, QLatin1Char('0')), true, false,
                              0.9 - 0.02 * i, 0.9 - 0.02 * i, 0.5));
    return nodes;
}

// The nodes that trade (every node but the regulator nodes, which belong to no sub-chain).
inline QList<QString> traders(const engine::Engine &e)
{
    QList<QString> ids;
    for (const QString &id : e.nodeIds())
        if (e.chainOf(id) != 0)
            ids.append(id);
    return ids;
}

inline engine::Scenario scenarioFor(QList<roster::NodeInfo> nodes, engine::Topology topology, int groups = 1)
{
    engine::Scenario sc;
    sc.roster = std::move(nodes);
    sc.topology = topology;
    sc.groups = groups;
    sc.grouping = roster::GroupingMode::BySerial;
    sc.clock = net::ClockMode::Virtual;
    sc.seed = 11;
    return sc;
}

// The demo microgrid's first `nodes` nodes split into `groups` sub-chains by serial number.
inline engine::Scenario demoScenario(int nodes, int groups, double ordersPerNodePerSecond, quint64 seed = 1)
{
    engine::Scenario sc = scenarioFor(roster::demoRoster(nodes), engine::Topology::Double, groups);
    sc.ordersPerNodePerSecond = ordersPerNodePerSecond;
    sc.seed = seed;
    return sc;
}

inline std::unique_ptr<engine::Engine> createEngine(const engine::Scenario &sc)
{
    auto created = engine::Engine::create(sc);
    if (!created.ok()) {
        qWarning("Engine::create failed: %s", qPrintable(created.errorString()));
        return nullptr;
    }
    return std::move(created).value();
}

// Advances the virtual clock in steps until `done` holds; false if it never did within maxUs.
inline bool runUntil(engine::Engine &e, const std::function<bool()> &done, net::TimeUs maxUs,
                     net::TimeUs stepUs = 10 * net::UsPerMs)
{
    for (net::TimeUs t = 0; t < maxUs; t += stepUs) {
        if (done())
            return true;
        e.runFor(stepUs);
    }
    return done();
}

inline engine::ChainStatus chainStatus(const engine::Engine &e, ledger::ChainId id)
{
    for (const engine::ChainStatus &s : e.status())
        if (s.id == id)
            return s;
    return {};
}

inline bool allSubChainsHaveBiller(const engine::Engine &e)
{
    for (const engine::ChainStatus &s : e.status())
        if (!s.isParent && s.biller.isEmpty())
            return false;
    return true;
}

// Records every final block of every chain (chained in front of the engine's own hook).
class FinalBlocks
{
public:
    struct Entry
    {
        ledger::ChainId chainId;
        quint64 height;
        crypto::Hash256 hash;
        QString biller;
        net::TimeUs at;
        ledger::Block block;
    };

    explicit FinalBlocks(engine::Engine &e)
    {
        for (ledger::ChainId id : e.chainIds()) {
            consensus::ChainContext *ctx = e.chain(id);
            auto previous = ctx->onFinal;
            net::EventLoop *loop = &e.loop();
            ctx->onFinal = [this, previous, loop](const ledger::Block &b) {
                if (previous)
                    previous(b);
                entries.append({b.header.chainId, b.header.height, b.header.hash(), b.header.billerId, loop->now(), b});
            };
        }
    }

    QList<Entry> since(net::TimeUs t, std::optional<ledger::ChainId> chain = {}) const
    {
        QList<Entry> list;
        for (const Entry &x : entries)
            if (x.at >= t && (!chain || x.chainId == *chain))
                list.append(x);
        return list;
    }

    QList<Entry> entries;
};

} // namespace mg::test
