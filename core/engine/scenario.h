#pragma once

#include "core/consensus/config.h"
#include "core/consensus/governance.h"
#include "core/market/market_config.h"
#include "core/regulator/rules.h"
#include "core/net/inprocess_network.h"
#include "core/roster/grouping.h"
#include "core/roster/node.h"

#include <QString>

namespace mg::engine {

// Double: sub-chains of nearby nodes, their billers forming the parent chain (DB-Microgrid).
// Single: the baseline — every node in one chain with one biller, no parent chain.
enum class Topology { Double, Single };
QString topologyName(Topology topology);

struct Scenario
{
    QList<roster::NodeInfo> roster;
    int groups = 10;                                        // sub-chains (double topology)
    roster::GroupingMode grouping = roster::GroupingMode::Auto;
    Topology topology = Topology::Double;
    net::ClockMode clock = net::ClockMode::Virtual;
    quint64 seed = 1;
    net::LinkConditions link;
    consensus::ConsensusConfig consensus;
    roster::Weights weights;
    // Synthetic load: random signed orders per node per second (0: none). For throughput runs.
    double ordersPerNodePerSecond = 0.0;
    market::MarketConfig market;
    // Prosumer agents (core/grid): every node orders its forecast surplus/deficit before each
    // delivery slot and reports its meter after it; the sub-chains settle every slot.
    bool agents = false;
    // Virtual clock start (ms since the epoch): 2026-01-01T00:00:00Z, so seeded runs are stable.
    qint64 virtualStartMs = 1767225600000;
    consensus::GovernanceConfig governance;
    // Regulator nodes: members of the parent chain that trade nothing; a regulator user holds
    // one's key. Their actions are signed parent-chain transactions.
    QStringList regulators{QStringLiteral("REG1")};
    regulator::Rules rules; // the rules in force at the start
    // In-process members vote yes on every governance stage that opens (joins, kicks,
    // suspensions). Off: votes come only through Engine::vote (the console, the regulator).
    bool autoApproveGovernance = true;
    // Where blocks are persisted; empty keeps everything in memory.
    QString dataDir;
};

} // namespace mg::engine
