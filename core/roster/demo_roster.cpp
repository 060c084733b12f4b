#include "core/roster/demo_roster.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace mg::roster {

namespace {

constexpr double townLat = 38.87;
constexpr double townLon = 115.46;
constexpr int demoGroups = 10;
constexpr qint64 paperBillerScoreMicro = 752000; // the paper: "node 53 ... score is 0.752"
constexpr int paperBillerIndex = 52;             // N053

class DemoRandom
{
public:
    explicit DemoRandom(quint64 seed) : m_engine(seed) {}

    // [0,1) from the top 53 bits: exact and identical everywhere.
    double unit() { return double(m_engine() >> 11) * 0x1.0p-53; }
    double uniform(double lo, double hi) { return lo + (hi - lo) * unit(); }
    bool chance(double p) { return unit() < p; }

private:
    std::mt19937_64 m_engine;
};

double roundTo(double v, double scale)
{
    return std::round(v * scale) / scale;
}

enum class Kind { Prosumer, Consumer, Generator, StorageGenerator };

Kind drawKind(DemoRandom &rnd)
{
    const double r = rnd.unit();
    if (r < 0.60)
        return Kind::Prosumer;
    if (r < 0.85)
        return Kind::Consumer;
    if (r < 0.95)
        return Kind::Generator;
    return Kind::StorageGenerator;
}

Roles rolesOf(Kind kind)
{
    switch (kind) {
    case Kind::Prosumer: return Role::Generator | Role::Consumer;
    case Kind::Consumer: return Role::Consumer;
    case Kind::Generator: return Role::Generator;
    case Kind::StorageGenerator: return Role::Storage | Role::Generator;
    }
    Q_UNREACHABLE();
}

} // namespace

QList<NodeInfo> demoRoster(int nodeCount, quint64 seed)
{
    Q_ASSERT(nodeCount >= 0);
    DemoRandom rnd(seed);
    const int idWidth = std::max(3, int(QString::number(nodeCount).size()));
    auto groupOf = [nodeCount](int i) { return 1 + int(qint64(i) * demoGroups / nodeCount); };

    // Roles first, so every group can be given a generator (a group without one cannot elect a
    // biller: only generators nominate themselves).
    std::vector<Kind> kinds(nodeCount);
    for (int i = 0; i < nodeCount; ++i)
        kinds[i] = drawKind(rnd);
    if (nodeCount > paperBillerIndex)
        kinds[paperBillerIndex] = Kind::Generator;
    for (int i = 0; i < nodeCount;) {
        int end = i;
        bool hasGenerator = false;
        while (end < nodeCount && groupOf(end) == groupOf(i)) {
            hasGenerator = hasGenerator || kinds[end] != Kind::Consumer;
            ++end;
        }
        if (!hasGenerator)
            kinds[i] = Kind::Prosumer;
        i = end;
    }

    // Group spots on a 5 x 2 grid about 1.5 km apart; nodes within about 300 m of their spot.
    double spotLat[demoGroups];
    double spotLon[demoGroups];
    for (int g = 0; g < demoGroups; ++g) {
        spotLat[g] = townLat + (g / 5 - 0.5) * 0.016 + rnd.uniform(-0.002, 0.002);
        spotLon[g] = townLon + (g % 5 - 2) * 0.018 + rnd.uniform(-0.002, 0.002);
    }

    int houses = 0, homes = 0, farms = 0, generators = 0, batteries = 0;
    QList<NodeInfo> nodes;
    nodes.reserve(nodeCount);
    for (int i = 0; i < nodeCount; ++i) {
        NodeInfo n;
        n.id = QLatin1Char('N') + QStringLiteral("%1").arg(i + 1, idWidth, 10, QLatin1Char('0'));
        const Kind kind = kinds[i];
        n.roles = rolesOf(kind);
        switch (kind) {
        case Kind::Prosumer:
            n.renewable = rnd.chance(0.8); // rooftop PV mostly
            n.name = QStringLiteral("Solar house %1").arg(++houses);
            n.capacityKw = roundTo(rnd.uniform(3, 12), 10);
            break;
        case Kind::Consumer:
            n.renewable = rnd.chance(0.3);
            n.name = QStringLiteral("House %1").arg(++homes);
            n.capacityKw = roundTo(rnd.uniform(3, 8), 10);
            break;
        case Kind::Generator:
            n.renewable = rnd.chance(0.6);
            n.name = n.renewable ? QStringLiteral("PV farm %1").arg(++farms)
                                 : QStringLiteral("Gas generator %1").arg(++generators);
            n.capacityKw = roundTo(rnd.uniform(20, 50), 10);
            break;
        case Kind::StorageGenerator:
            n.renewable = rnd.chance(0.5);
            n.name = QStringLiteral("Battery %1").arg(++batteries);
            n.capacityKw = roundTo(rnd.uniform(10, 30), 10);
            break;
        }

        // Redraw until below the paper's top score, so N053 stays the unique winner.
        do {
            n.environmental = roundTo(rnd.uniform(0.05, 0.95), 100);
            n.cost = roundTo(rnd.uniform(0.05, 0.95), 100);
            n.stability = roundTo(rnd.uniform(0.05, 0.95), 100);
        } while (dbscaScoreMicro(n) >= paperBillerScoreMicro);

        const int g = groupOf(i);
        n.group = g;
        n.lat = roundTo(spotLat[g - 1] + rnd.uniform(-0.0027, 0.0027), 1e6);
        n.lon = roundTo(spotLon[g - 1] + rnd.uniform(-0.0035, 0.0035), 1e6);

        if (i == paperBillerIndex) {
            // 0.2*1 + 0.3*0.6 + 0.4*0.8 + 0.1*0.52 = 0.752
            n.renewable = true;
            n.environmental = 0.6;
            n.cost = 0.8;
            n.stability = 0.52;
            if (!n.name.startsWith(QLatin1String("PV farm"))) {
                n.name = QStringLiteral("PV farm %1").arg(++farms);
                --generators; // it was drawn as a gas generator
            }
            Q_ASSERT(dbscaScoreMicro(n) == paperBillerScoreMicro);
        }
        nodes.append(std::move(n));
    }
    return nodes;
}

} // namespace mg::roster
