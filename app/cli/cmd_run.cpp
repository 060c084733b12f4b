#include "cli.h"
#include "scenario_options.h"

#include "core/engine/engine.h"
#include "core/engine/violation_injector.h"
#include "core/market/market_config.h"

#include <QElapsedTimer>
#include <QJsonArray>

namespace mg::cli {

namespace {

QString chainName(const engine::ChainStatus &s)
{
    return s.isParent ? QStringLiteral("parent") : QString::number(s.id);
}

} // namespace

int cmdRun(const QStringList &args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Run the microgrid's chains with a synthetic signed order load and report heights, finality and elections."));
    addScenarioOptions(parser);
    parser.addOption({QStringLiteral("duration"), QStringLiteral("How long to run, in (virtual or real) seconds."), QStringLiteral("SECONDS")});
    parser.addOption({QStringLiteral("virtual"), QStringLiteral("Use the seeded virtual clock (deterministic; default is the real clock).")});
    parser.addOption({QStringLiteral("rate"), QStringLiteral("Orders per node per second (default 0.5)."), QStringLiteral("R")});
    parser.addOption({QStringLiteral("rotation"), QStringLiteral("Biller rotation: every-block (the paper) or on-failure."), QStringLiteral("POLICY")});
    parser.addOption({QStringLiteral("market"), QStringLiteral("Run the prosumer agents and the market: cda (continuous double auction) or paper (earliest acceptance wins)."), QStringLiteral("cda|paper")});
    parser.addOption({QStringLiteral("violations"), QStringLiteral("Inject N rule-breaking trades of mixed kinds and report what the regulator halted (implies --market cda; the regulator's price band is set 20 inside the tariffs)."), QStringLiteral("N")});
    parser.addOption({QStringLiteral("data"), QStringLiteral("Persist blocks in this data directory."), QStringLiteral("DIR")});
    parser.addOption({QStringLiteral("json"), QStringLiteral("Print one JSON object.")});
    int code = ExitOk;
    if (!parse(parser, args, QStringLiteral("run"), &code))
        return code;
    if (!parser.positionalArguments().isEmpty())
        return usageError(QStringLiteral("run"), QStringLiteral("unexpected argument '%1'").arg(parser.positionalArguments().first()));

    engine::Scenario sc;
    if (Status s = scenarioFromOptions(parser, sc); !s.ok())
        return usageError(QStringLiteral("run"), s.error().message);
    if (!parser.isSet(QStringLiteral("duration")))
        return usageError(QStringLiteral("run"), QStringLiteral("--duration SECONDS is required"));
    bool ok = false;
    const double seconds = parser.value(QStringLiteral("duration")).toDouble(&ok);
    if (!ok || seconds <= 0 || seconds > 7 * 24 * 3600)
        return usageError(QStringLiteral("run"), QStringLiteral("--duration must be a number of seconds above 0 (at most a week), got '%1'").arg(parser.value(QStringLiteral("duration"))));
    int violations = 0;
    if (parser.isSet(QStringLiteral("violations"))) {
        violations = parser.value(QStringLiteral("violations")).toInt(&ok);
        if (!ok || violations < 0 || violations > 10000)
            return usageError(QStringLiteral("run"), QStringLiteral("--violations must be a whole number from 0 to 10000, got '%1'").arg(parser.value(QStringLiteral("violations"))));
        // A band strictly inside the tariffs, so an admissible order can break it.
        sc.rules.minPrice = sc.market.feedInTariff + 20;
        sc.rules.maxPrice = sc.market.gridTariff - 20;
    }
    const bool withMarket = parser.isSet(QStringLiteral("market")) || violations > 0;
    if (withMarket) {
        const QString mode = parser.isSet(QStringLiteral("market")) ? parser.value(QStringLiteral("market")) : QStringLiteral("cda");
        if (mode == QLatin1String("cda"))
            sc.market.mode = market::MarketMode::ContinuousDoubleAuction;
        else if (mode == QLatin1String("paper"))
            sc.market.mode = market::MarketMode::Paper;
        else
            return usageError(QStringLiteral("run"), QStringLiteral("--market must be cda or paper, got '%1'").arg(mode));
        sc.agents = true;
    }
    sc.ordersPerNodePerSecond = withMarket ? 0.0 : 0.5; // with the market, the agents make the load
    if (parser.isSet(QStringLiteral("rate"))) {
        sc.ordersPerNodePerSecond = parser.value(QStringLiteral("rate")).toDouble(&ok);
        if (!ok || sc.ordersPerNodePerSecond < 0 || sc.ordersPerNodePerSecond > 10000)
            return usageError(QStringLiteral("run"), QStringLiteral("--rate must be a number of orders per node per second from 0 to 10000, got '%1'").arg(parser.value(QStringLiteral("rate"))));
    }
    if (parser.isSet(QStringLiteral("rotation"))) {
        const QString r = parser.value(QStringLiteral("rotation"));
        if (r == QLatin1String("every-block"))
            sc.consensus.rotation = consensus::RotationPolicy::EveryBlock;
        else if (r == QLatin1String("on-failure"))
            sc.consensus.rotation = consensus::RotationPolicy::OnFailure;
        else
            return usageError(QStringLiteral("run"), QStringLiteral("--rotation must be every-block or on-failure, got '%1'").arg(r));
    }
    sc.clock = parser.isSet(QStringLiteral("virtual")) ? net::ClockMode::Virtual : net::ClockMode::Real;
    sc.dataDir = parser.value(QStringLiteral("data"));

    auto created = engine::Engine::create(sc);
    if (!created.ok())
        return usageError(QStringLiteral("run"), created.error().message);
    engine::Engine &e = *created.value();
    QElapsedTimer wall;
    wall.start();
    e.start();
    engine::ViolationInjector injector(e);
    if (violations > 0) {
        // Spread over the run, leaving time at the end for the last ones to trade.
        const net::TimeUs total = net::TimeUs(seconds * double(net::UsPerSecond));
        injector.schedule(violations, std::min<net::TimeUs>(5 * net::UsPerSecond, total / 10), total * 7 / 10);
    }
    e.runFor(net::TimeUs(seconds * double(net::UsPerSecond)));
    const engine::ViolationInjector::Report violationReport = injector.report();
    const double wallSeconds = double(wall.nsecsElapsed()) / 1e9;

    const QList<engine::ChainStatus> chains = e.status();
    const engine::EngineMetrics &m = e.metrics();
    quint64 blocks = 0, txs = 0, elections = 0, changes = 0;
    for (const engine::ChainStatus &s : chains) {
        blocks += s.blocks;
        txs += s.transactions;
        elections += s.elections;
        changes += s.billerChanges;
    }
    const auto &net = e.network().stats();
    const market::MarketTotals mt = e.marketTotals();
    // Money is conserved when the node balances add up to what the utility grid paid in minus
    // what it received (settlements move money only between nodes and to/from the grid).
    qint64 balances = 0, gridPaid = 0, gridReceived = 0;
    for (ledger::ChainId id : e.chainIds())
        if (const market::MarketState *m = e.market(id)) {
            balances += m->accounts().total();
            gridPaid += m->accounts().gridPaidMilli();
            gridReceived += m->accounts().gridReceivedMilli();
        }
    const bool conserved = balances == gridPaid - gridReceived;

    if (parser.isSet(QStringLiteral("json"))) {
        QJsonArray list;
        for (const engine::ChainStatus &s : chains) {
            QJsonObject c;
            c.insert(QStringLiteral("chain"), chainName(s));
            c.insert(QStringLiteral("height"), s.blocks ? qint64(s.blocks - 1) : -1);
            c.insert(QStringLiteral("blocks"), qint64(s.blocks));
            c.insert(QStringLiteral("transactions"), qint64(s.transactions));
            c.insert(QStringLiteral("biller"), s.biller);
            c.insert(QStringLiteral("members"), s.members);
            c.insert(QStringLiteral("elections"), qint64(s.elections));
            c.insert(QStringLiteral("biller_changes"), qint64(s.billerChanges));
            list.append(c);
        }
        QJsonObject root;
        root.insert(QStringLiteral("topology"), engine::topologyName(sc.topology));
        root.insert(QStringLiteral("nodes"), int(sc.roster.size()));
        root.insert(QStringLiteral("seed"), QString::number(sc.seed));
        root.insert(QStringLiteral("clock"), sc.clock == net::ClockMode::Virtual ? QStringLiteral("virtual") : QStringLiteral("real"));
        root.insert(QStringLiteral("duration_s"), seconds);
        root.insert(QStringLiteral("wall_s"), wallSeconds);
        root.insert(QStringLiteral("chains"), list);
        root.insert(QStringLiteral("blocks_final"), qint64(blocks));
        root.insert(QStringLiteral("transactions_final"), qint64(txs));
        root.insert(QStringLiteral("transactions_submitted"), qint64(m.submitted)); // orders, anchors, governance...
        root.insert(QStringLiteral("consensus_p50_ms"), m.consensus.percentileMs(50));
        root.insert(QStringLiteral("consensus_p99_ms"), m.consensus.percentileMs(99));
        root.insert(QStringLiteral("consensus_mean_ms"), m.consensus.meanMs());
        root.insert(QStringLiteral("final_p50_ms"), m.finality.percentileMs(50));
        root.insert(QStringLiteral("final_p99_ms"), m.finality.percentileMs(99));
        root.insert(QStringLiteral("anchor_p50_ms"), m.anchoring.percentileMs(50));
        root.insert(QStringLiteral("anchor_p99_ms"), m.anchoring.percentileMs(99));
        root.insert(QStringLiteral("elections"), qint64(elections));
        root.insert(QStringLiteral("biller_changes"), qint64(changes));
        root.insert(QStringLiteral("rejected_blocks"), qint64(m.rejectedBlocks));
        root.insert(QStringLiteral("biller_timeouts"), qint64(m.billerTimeouts));
        root.insert(QStringLiteral("events"), QJsonArray::fromStringList(m.evidence));
        root.insert(QStringLiteral("messages_sent"), qint64(net.sent));
        root.insert(QStringLiteral("messages_dropped"), qint64(net.dropped));
        if (violations > 0) {
            QJsonObject vj;
            vj.insert(QStringLiteral("injected"), violationReport.injected);
            vj.insert(QStringLiteral("caught"), violationReport.caught);
            vj.insert(QStringLiteral("missed"), violationReport.missed);
            vj.insert(QStringLiteral("pending"), violationReport.pending);
            vj.insert(QStringLiteral("false_positives"), violationReport.falsePositives);
            QJsonObject injectedBy, haltedBy;
            for (const auto &[reason, n] : violationReport.injectedByReason)
                injectedBy.insert(regulator::haltReasonName(reason), n);
            for (const auto &[reason, n] : violationReport.haltedByReason)
                haltedBy.insert(regulator::haltReasonName(reason), n);
            vj.insert(QStringLiteral("injected_by_reason"), injectedBy);
            vj.insert(QStringLiteral("halted_by_reason"), haltedBy);
            root.insert(QStringLiteral("violations"), vj);
        }
        if (withMarket) {
            QJsonObject mj;
            mj.insert(QStringLiteral("mode"), market::marketModeName(sc.market.mode));
            mj.insert(QStringLiteral("orders"), qint64(mt.orders));
            mj.insert(QStringLiteral("trades"), qint64(mt.trades));
            mj.insert(QStringLiteral("energy_traded_wh"), mt.energyTradedWh);
            mj.insert(QStringLiteral("mean_price"), mt.meanPriceMilliPerKwh());
            mj.insert(QStringLiteral("defaults"), qint64(mt.defaults));
            mj.insert(QStringLiteral("penalties_milli"), mt.penaltiesMilli);
            mj.insert(QStringLiteral("grid_import_wh"), mt.gridImportWh);
            mj.insert(QStringLiteral("grid_export_wh"), mt.gridExportWh);
            mj.insert(QStringLiteral("settled_slots"), qint64(mt.settledSlots));
            mj.insert(QStringLiteral("balances_milli"), balances);
            mj.insert(QStringLiteral("grid_paid_milli"), gridPaid);
            mj.insert(QStringLiteral("grid_received_milli"), gridReceived);
            mj.insert(QStringLiteral("conserved"), conserved);
            root.insert(QStringLiteral("market"), mj);
        }
        printJson(root);
        const bool regulatorOk = violationReport.caught == violationReport.injected && violationReport.falsePositives == 0;
        return (withMarket && !conserved) || (violations > 0 && !regulatorOk) ? ExitFindings : ExitOk;
    }

    out() << QStringLiteral("topology %1, %2 nodes, %3 chains, seed %4, %5 s %6 (%7 s wall)\n")
                 .arg(engine::topologyName(sc.topology)).arg(sc.roster.size()).arg(chains.size()).arg(sc.seed)
                 .arg(seconds).arg(sc.clock == net::ClockMode::Virtual ? QStringLiteral("virtual") : QStringLiteral("real"))
                 .arg(wallSeconds, 0, 'f', 2);
    out() << QStringLiteral("%1 %2 %3 %4 %5 %6\n").arg(QStringLiteral("chain"), -7).arg(QStringLiteral("height"), 7)
                 .arg(QStringLiteral("txs"), 8).arg(QStringLiteral("biller"), -8).arg(QStringLiteral("members"), 7).arg(QStringLiteral("elections"), 9);
    for (const engine::ChainStatus &s : chains)
        out() << QStringLiteral("%1 %2 %3 %4 %5 %6\n").arg(chainName(s), -7).arg(s.blocks ? qint64(s.blocks - 1) : -1, 7)
                     .arg(s.transactions, 8).arg(s.biller.isEmpty() ? QStringLiteral("-") : s.biller, -8).arg(s.members, 7).arg(s.elections, 9);
    out() << QStringLiteral("blocks final          %1\n").arg(blocks);
    out() << QStringLiteral("transactions final    %1 (submitted %2: orders, anchors, governance)\n").arg(txs).arg(m.submitted);
    out() << QStringLiteral("consensus latency     p50 %1 ms  p99 %2 ms  (block proposed -> final)\n").arg(m.consensus.percentileMs(50), 0, 'f', 1).arg(m.consensus.percentileMs(99), 0, 'f', 1);
    out() << QStringLiteral("order -> final        p50 %1 ms  p99 %2 ms\n").arg(m.finality.percentileMs(50), 0, 'f', 1).arg(m.finality.percentileMs(99), 0, 'f', 1);
    if (sc.topology == engine::Topology::Double)
        out() << QStringLiteral("order -> anchored     p50 %1 ms  p99 %2 ms\n").arg(m.anchoring.percentileMs(50), 0, 'f', 1).arg(m.anchoring.percentileMs(99), 0, 'f', 1);
    out() << QStringLiteral("elections             %1 (biller changes %2, rotation %3)\n").arg(elections).arg(changes).arg(consensus::rotationPolicyName(sc.consensus.rotation));
    out() << QStringLiteral("rejected blocks       %1 (biller timeouts %2)\n").arg(m.rejectedBlocks).arg(m.billerTimeouts);
    for (const QString &event : m.evidence.mid(0, 10))
        out() << QStringLiteral("  %1\n").arg(event);
    if (m.evidence.size() > 10)
        out() << QStringLiteral("  ... %1 more (see --json)\n").arg(m.evidence.size() - 10);
    out() << QStringLiteral("messages              %1 sent, %2 dropped\n").arg(net.sent).arg(net.dropped);
    if (withMarket) {
        out() << QStringLiteral("market                %1\n").arg(market::marketModeName(sc.market.mode));
        out() << QStringLiteral("orders                %1\n").arg(mt.orders);
        out() << QStringLiteral("trades                %1 (%2 halted)\n").arg(mt.trades).arg(mt.halted);
        out() << QStringLiteral("energy traded         %1 Wh\n").arg(mt.energyTradedWh);
        out() << QStringLiteral("mean price            %1 milli/kWh\n").arg(mt.meanPriceMilliPerKwh(), 0, 'f', 1);
        out() << QStringLiteral("defaults              %1 (penalties %2 milli)\n").arg(mt.defaults).arg(mt.penaltiesMilli);
        out() << QStringLiteral("from grid             %1 Wh\n").arg(mt.gridImportWh);
        out() << QStringLiteral("to grid               %1 Wh\n").arg(mt.gridExportWh);
        out() << QStringLiteral("settled slots         %1\n").arg(mt.settledSlots);
        if (violations > 0) {
            out() << QStringLiteral("violations injected   %1: caught %2, missed %3, not traded yet %4, false positives %5\n")
                         .arg(violationReport.injected).arg(violationReport.caught).arg(violationReport.missed)
                         .arg(violationReport.pending).arg(violationReport.falsePositives);
            for (const auto &[reason, n] : violationReport.haltedByReason) {
                const auto injected = violationReport.injectedByReason.find(reason);
                out() << QStringLiteral("  halted %1 %2 (injected %3)\n").arg(regulator::haltReasonName(reason), -20).arg(n, 4)
                             .arg(injected == violationReport.injectedByReason.end() ? 0 : injected->second);
            }
        }
        out() << QStringLiteral("conservation          %1: node balances %2 = grid paid %3 - grid received %4\n")
                     .arg(conserved ? QStringLiteral("ok") : QStringLiteral("VIOLATED")).arg(balances).arg(gridPaid).arg(gridReceived);
    }
    out().flush();
    const bool regulatorOk = violationReport.caught == violationReport.injected && violationReport.falsePositives == 0;
    return (withMarket && !conserved) || (violations > 0 && !regulatorOk) ? ExitFindings : ExitOk;
}

} // namespace mg::cli
