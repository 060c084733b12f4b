#include "scenario_options.h"

#include "core/roster/demo_roster.h"
#include "core/roster/roster_csv.h"

namespace mg::cli {

void addScenarioOptions(QCommandLineParser &parser)
{
    parser.addOption({QStringLiteral("roster"), QStringLiteral("Roster CSV file (default: the built-in demo microgrid)."), QStringLiteral("FILE")});
    parser.addOption({QStringLiteral("groups"), QStringLiteral("Split the roster into N sub-chains by serial number (default: the roster's group column, else by location into 10)."), QStringLiteral("N")});
    parser.addOption({QStringLiteral("weights"), QStringLiteral("DBSCA weights R,E,C,S (default 0.2,0.3,0.4,0.1)."), QStringLiteral("R,E,C,S")});
    parser.addOption({QStringLiteral("seed"), QStringLiteral("Seed for keys, network and load (default 1)."), QStringLiteral("S")});
    parser.addOption({QStringLiteral("topology"), QStringLiteral("double (sub-chains + parent chain) or single (one chain)."), QStringLiteral("double|single")});
}

Status scenarioFromOptions(const QCommandLineParser &parser, engine::Scenario &sc)
{
    if (parser.isSet(QStringLiteral("roster"))) {
        auto roster = roster::readRosterFile(parser.value(QStringLiteral("roster")));
        if (!roster.ok())
            return roster.error();
        sc.roster = roster.value();
    } else {
        sc.roster = roster::demoRoster();
    }
    if (sc.roster.isEmpty())
        return Status::fail(QStringLiteral("roster.empty"), QStringLiteral("the roster has no nodes"));

    if (parser.isSet(QStringLiteral("groups"))) {
        bool ok = false;
        const int groups = parser.value(QStringLiteral("groups")).toInt(&ok);
        if (!ok || groups < 1 || groups > sc.roster.size())
            return Status::fail(QStringLiteral("usage.groups"),
                                QStringLiteral("--groups must be a whole number from 1 to %1 (the roster's size), got '%2'")
                                    .arg(sc.roster.size()).arg(parser.value(QStringLiteral("groups"))));
        sc.groups = groups;
        sc.grouping = roster::GroupingMode::BySerial;
    } else {
        sc.groups = std::min<int>(10, int(sc.roster.size()));
        sc.grouping = roster::GroupingMode::Auto;
    }
    if (parser.isSet(QStringLiteral("weights"))) {
        auto w = roster::Weights::parse(parser.value(QStringLiteral("weights")));
        if (!w.ok())
            return w.error();
        sc.weights = w.value();
    }
    if (parser.isSet(QStringLiteral("seed"))) {
        bool ok = false;
        sc.seed = parser.value(QStringLiteral("seed")).toULongLong(&ok);
        if (!ok)
            return Status::fail(QStringLiteral("usage.seed"), QStringLiteral("--seed must be a non-negative whole number, got '%1'").arg(parser.value(QStringLiteral("seed"))));
    }
    if (parser.isSet(QStringLiteral("topology"))) {
        const QString t = parser.value(QStringLiteral("topology"));
        if (t == QLatin1String("double"))
            sc.topology = engine::Topology::Double;
        else if (t == QLatin1String("single"))
            sc.topology = engine::Topology::Single;
        else
            return Status::fail(QStringLiteral("usage.topology"), QStringLiteral("--topology must be double or single, got '%1'").arg(t));
    }
    return okStatus();
}

} // namespace mg::cli
