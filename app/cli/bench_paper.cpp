#include "cli.h"

#include "core/engine/engine.h"
#include "core/roster/demo_roster.h"

#include <QElapsedTimer>

namespace mg::cli {

namespace {

// The DB-Microgrid paper's experiment (section 4): the same nodes as one chain or as sub-chains
// of ten by serial number; count the consensus rounds (blocks made final on the trading chains)
// in the simulated time and the mean consensus time (a transaction sent -> recorded in a final
// block, the paper's definition).
struct PaperSetup
{
    int nodes = 100;
    engine::Topology topology = engine::Topology::Double;
    double seconds = 600;
};

struct PaperResult
{
    quint64 rounds = 0;       // trading-chain blocks made final in the simulated time
    double roundsPer10Min = 0;
    double consensusMs = 0;   // mean order -> final
    double consensusP99Ms = 0;
    double simulatedS = 0;
    double wallS = 0;
};

// LAN-like links as in the paper's OPNET set-up: 1 ms + up to 0.5 ms jitter, and 100 us to handle
// each received message (verify, store), so a node that receives many messages (a biller with
// many voters) is slower, as in the paper. Blocks: a package of 4 transactions (the paper's
// "transaction package is 4 per unit time") or 500 ms. Each node sends 0.1 orders/s.
engine::Scenario paperScenario(const PaperSetup &setup)
{
    engine::Scenario sc;
    sc.roster = roster::demoRoster(setup.nodes);
    for (roster::NodeInfo &n : sc.roster)
        n.group.reset(); // group by serial number, as the paper does
    sc.groups = std::max(1, setup.nodes / 10);
    sc.grouping = roster::GroupingMode::BySerial;
    sc.topology = setup.topology;
    sc.clock = net::ClockMode::Virtual;
    sc.seed = 2019;
    sc.link = net::LinkConditions{1000, 500, 0.0, 100};
    sc.consensus.txThreshold = 4;
    sc.consensus.blockIntervalUs = 500 * net::UsPerMs;
    sc.ordersPerNodePerSecond = 0.1;
    return sc;
}

Result<PaperResult> runPaper(const PaperSetup &setup)
{
    auto created = engine::Engine::create(paperScenario(setup));
    if (!created.ok())
        return created.error();
    engine::Engine &e = *created.value();
    QElapsedTimer wall;
    wall.start();
    e.start();
    e.runFor(net::TimeUs(setup.seconds * double(net::UsPerSecond)));
    PaperResult r;
    for (const engine::ChainStatus &s : e.status())
        if (!s.isParent)
            r.rounds += s.blocks;
    r.simulatedS = setup.seconds;
    r.roundsPer10Min = double(r.rounds) * 600.0 / setup.seconds;
    r.consensusMs = e.metrics().finality.meanMs();
    r.consensusP99Ms = e.metrics().finality.percentileMs(99);
    r.wallS = double(wall.nsecsElapsed()) / 1e9;
    return r;
}

QJsonObject toJson(const PaperResult &r)
{
    return QJsonObject{{QStringLiteral("rounds"), qint64(r.rounds)},
                       {QStringLiteral("rounds_per_10_min"), r.roundsPer10Min},
                       {QStringLiteral("consensus_ms"), r.consensusMs},
                       {QStringLiteral("consensus_p99_ms"), r.consensusP99Ms},
                       {QStringLiteral("simulated_s"), r.simulatedS},
                       {QStringLiteral("wall_s"), r.wallS}};
}

} // namespace

int benchPaper(bool json, double minutes, double minutes40x)
{
    struct Case { const char *key; PaperSetup setup; };
    const QList<Case> cases{
        {"double", {100, engine::Topology::Double, minutes * 60}},
        {"single", {100, engine::Topology::Single, minutes * 60}},
        {"double_40x", {4000, engine::Topology::Double, minutes40x * 60}},
        {"single_40x", {4000, engine::Topology::Single, minutes40x * 60}},
    };
    QJsonObject root;
    if (!json)
        out() << "DB-Microgrid experiment, virtual clock: links 1 ms + 0-0.5 ms jitter, 100 us per received message,\n"
                 "blocks of 4 transactions or 500 ms, 0.1 orders per node per second, sub-chains of 10 by serial number.\n"
                 "rounds = trading-chain blocks made final; consensus = mean time from an order sent to its block final.\n"
              << Qt::flush;
    for (const Case &c : cases) {
        if (c.setup.seconds <= 0)
            continue;
        auto r = runPaper(c.setup);
        if (!r.ok())
            return usageError(QStringLiteral("bench paper"), r.error().message);
        root.insert(QLatin1String(c.key), toJson(r.value()));
        if (!json)
            out() << QStringLiteral("%1 %2 nodes, %3 s simulated: %4 rounds (%5 per 10 min), consensus %6 ms mean, %7 ms p99 (%8 s wall)\n")
                         .arg(QLatin1String(c.key), -11).arg(c.setup.nodes, 5).arg(c.setup.seconds, 0, 'f', 0)
                         .arg(r->rounds).arg(r->roundsPer10Min, 0, 'f', 0).arg(r->consensusMs, 0, 'f', 1)
                         .arg(r->consensusP99Ms, 0, 'f', 1).arg(r->wallS, 0, 'f', 1)
                  << Qt::flush;
    }
    const auto per10 = [&](const char *k) { return root.value(QLatin1String(k)).toObject().value(QStringLiteral("rounds_per_10_min")).toDouble(); };
    if (per10("single") > 0)
        root.insert(QStringLiteral("double_single_rounds_ratio"), per10("double") / per10("single"));
    if (json)
        printJson(root);
    else if (per10("single") > 0)
        out() << QStringLiteral("double/single rounds ratio %1 (the paper: 431/223 = 1.93)\n").arg(per10("double") / per10("single"), 0, 'f', 2);
    return ExitOk;
}

} // namespace mg::cli
