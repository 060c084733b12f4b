#include "cli.h"
#include "scenario_options.h"

#include "core/engine/engine.h"

#include <QJsonArray>

namespace mg::cli {

namespace {

struct Elected
{
    int group = 0;
    QString biller;
    double score = 0;
    int members = 0;
};

// Runs the real DBSCA protocol on the virtual network until every chain has a biller (or the
// time limit passes: a chain without generators or without a quorum elects nobody).
Result<QList<Elected>> runElection(engine::Scenario scenario)
{
    scenario.clock = net::ClockMode::Virtual;
    scenario.ordersPerNodePerSecond = 0;
    scenario.consensus.rotation = consensus::RotationPolicy::OnFailure;
    auto created = engine::Engine::create(scenario);
    if (!created.ok())
        return created.error();
    engine::Engine &e = *created.value();
    e.start();
    for (int i = 0; i < 50; ++i) {
        e.runFor(100 * net::UsPerMs);
        bool all = true;
        for (const engine::ChainStatus &s : e.status())
            if (!s.isParent && s.biller.isEmpty())
                all = false;
        if (all)
            break;
    }
    QList<Elected> result;
    for (const engine::ChainStatus &s : e.status()) {
        if (s.isParent)
            continue;
        Elected el;
        el.group = int(s.id);
        // Report the roster's own group number when the roster defined the groups.
        const consensus::ChainContext *ctx = e.chain(s.id);
        if (!ctx->members().isEmpty()) {
            const auto *first = e.directory().find(ctx->members().first());
            if (first && first->info.group && scenario.grouping != roster::GroupingMode::BySerial) {
                bool same = true;
                for (const QString &m : ctx->members())
                    same = same && e.directory().find(m)->info.group == first->info.group;
                if (same)
                    el.group = *first->info.group;
            }
        }
        el.biller = s.biller;
        el.score = double(s.billerScoreMicro) / 1e6;
        el.members = s.members;
        result.append(el);
    }
    return result;
}

QJsonObject toJson(const Elected &e)
{
    QJsonObject o;
    o.insert(QStringLiteral("biller"), e.biller.isEmpty() ? QJsonValue() : QJsonValue(e.biller));
    o.insert(QStringLiteral("score"), e.biller.isEmpty() ? QJsonValue() : QJsonValue(e.score));
    o.insert(QStringLiteral("members"), e.members);
    return o;
}

} // namespace

int cmdElect(const QStringList &args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Elect a biller for every sub-chain and for the single-chain baseline with the DBSCA protocol."));
    addScenarioOptions(parser);
    parser.addOption({QStringLiteral("json"), QStringLiteral("Print one JSON object.")});
    int code = ExitOk;
    if (!parse(parser, args, QStringLiteral("elect"), &code))
        return code;
    if (!parser.positionalArguments().isEmpty())
        return usageError(QStringLiteral("elect"), QStringLiteral("unexpected argument '%1'").arg(parser.positionalArguments().first()));

    engine::Scenario scenario;
    if (Status s = scenarioFromOptions(parser, scenario); !s.ok())
        return usageError(QStringLiteral("elect"), s.error().message);

    scenario.topology = engine::Topology::Double;
    auto groups = runElection(scenario);
    if (!groups.ok())
        return usageError(QStringLiteral("elect"), groups.error().message);
    scenario.topology = engine::Topology::Single;
    auto single = runElection(scenario);
    if (!single.ok())
        return usageError(QStringLiteral("elect"), single.error().message);

    if (parser.isSet(QStringLiteral("json"))) {
        QJsonArray subchains;
        for (const Elected &e : groups.value()) {
            QJsonObject o = toJson(e);
            o.insert(QStringLiteral("group"), e.group);
            subchains.append(o);
        }
        QJsonObject root;
        root.insert(QStringLiteral("subchains"), subchains);
        root.insert(QStringLiteral("single_chain"), single->isEmpty() ? QJsonObject() : toJson(single->first()));
        printJson(root);
        return ExitOk;
    }
    out() << QStringLiteral("%1  %2  %3  %4\n").arg(QStringLiteral("group"), 5).arg(QStringLiteral("biller"), -10).arg(QStringLiteral("score"), 8).arg(QStringLiteral("members"), 7);
    for (const Elected &e : groups.value())
        out() << QStringLiteral("%1  %2  %3  %4\n").arg(e.group, 5).arg(e.biller.isEmpty() ? QStringLiteral("(none)") : e.biller, -10)
                     .arg(e.score, 8, 'f', 3).arg(e.members, 7);
    if (!single->isEmpty()) {
        const Elected &s = single->first();
        out() << QStringLiteral("single chain: biller %1, score %2, %3 members\n")
                     .arg(s.biller.isEmpty() ? QStringLiteral("(none)") : s.biller).arg(s.score, 0, 'f', 3).arg(s.members);
    }
    out().flush();
    return ExitOk;
}

} // namespace mg::cli
