#include "core/grid/agent.h"
#include "core/grid/profiles.h"
#include "core/grid/storage.h"

#include <QDate>
#include <QTest>

#include <cmath>
#include <numbers>

using namespace mg;
using namespace mg::grid;
using roster::NodeInfo;
using roster::Role;
using roster::Roles;

namespace {

constexpr qint64 HourMs = 3600LL * 1000;
constexpr qint64 DayMs = 24 * HourMs;
constexpr qint64 SlotMs = 15 * 60 * 1000;
constexpr int SlotsPerDay = int(DayMs / SlotMs);

// UTC ms of local (UTC+8) midnight starting the given date.
qint64 localMidnightUtc(QDate date)
{
    return QDate(1970, 1, 1).daysTo(date) * DayMs - LocalUtcOffsetMs;
}

qint64 slotAtLocalHour(QDate date, double hour)
{
    return (localMidnightUtc(date) + qint64(hour * double(HourMs))) / SlotMs;
}

NodeInfo node(const QString &id, Roles roles, bool renewable, double capacityKw)
{
    NodeInfo n;
    n.id = id;
    n.roles = roles;
    n.renewable = renewable;
    n.capacityKw = capacityKw;
    return n;
}

NodeInfo pvNode(const QString &id = QStringLiteral("PV1"), double kw = 50)
{
    return node(id, Role::Generator, true, kw);
}

NodeInfo household(const QString &id = QStringLiteral("H1"), double kw = 5)
{
    return node(id, Role::Consumer, false, kw);
}

} // namespace

class TestGrid : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void pvDayShape_data();
    void pvDayShape();
    void nonRenewableFlat();
    void noGenerationOrLoadWithoutRole();
    void loadShape_data();
    void loadShape();
    void forecastWithinNoise_data();
    void forecastWithinNoise();
    void seededDeterminism();
    void storageLimits_data();
    void storageLimits();
    void storageExact();
    void agentSellsAtNoon_data();
    void agentSellsAtNoon();
    void agentBuysInEvening_data();
    void agentBuysInEvening();
    void agentPricesInBand();
    void agentRenewablePreference();
    void agentDeterministic();
    void agentMeterWithStorage();
};

void TestGrid::pvDayShape_data()
{
    QTest::addColumn<double>("kw");
    QTest::addColumn<quint64>("seed");
    QTest::addColumn<QDate>("date");
    QTest::newRow("50 kW summer") << 50.0 << quint64(1) << QDate(2024, 6, 21);
    QTest::newRow("5 kW winter") << 5.0 << quint64(7) << QDate(2024, 12, 21);
    QTest::newRow("0.5 kW") << 0.5 << quint64(42) << QDate(2023, 3, 1);
}

void TestGrid::pvDayShape()
{
    QFETCH(double, kw);
    QFETCH(quint64, seed);
    QFETCH(QDate, date);
    const NodeInfo n = pvNode(QStringLiteral("PV"), kw);
    const qint64 midnight = localMidnightUtc(date);

    QList<qint64> forecasts;
    qint64 peak = -1;
    qint64 dayTotal = 0;
    for (int i = 0; i < SlotsPerDay; ++i) {
        const qint64 start = midnight + i * SlotMs;
        const qint64 f = pvGenerationWh(n, start, SlotMs, seed, true);
        const qint64 a = pvGenerationWh(n, start, SlotMs, seed);
        const double hour = double(i) / 4.0;
        if (hour < 6.0 || hour >= 18.0) {
            QCOMPARE(f, qint64(0));
            QCOMPARE(a, qint64(0));
        }
        QVERIFY(f >= 0 && a >= 0);
        forecasts.append(f);
        peak = std::max(peak, f);
        dayTotal += f;
    }
    // The curve is symmetric around 12:00: the peak is at the 11:45 and 12:00 slots; rounding to
    // whole Wh may flatten it for a small node, but the plateau stays within 11:00-13:00.
    QVERIFY(forecasts[47] == peak || forecasts[48] == peak);
    for (int i = 0; i < SlotsPerDay; ++i)
        QVERIFY2(forecasts[i] < peak || (i >= 44 && i < 52), qPrintable(QString::number(i)));
    // Peak power <= capacity: a 15-minute slot yields at most kW x 250 Wh.
    QVERIFY(peak <= std::llround(kw * 250.0));
    // Day energy = capacity x cloud x 24/pi kWh, cloud in [0.3, 1].
    const double clear = kw * 1000.0 * 24.0 / std::numbers::pi;
    QVERIFY(double(dayTotal) <= clear + SlotsPerDay);
    QVERIFY(double(dayTotal) >= 0.3 * clear - SlotsPerDay);
    const double cloud = cloudFactor(n, QDate(1970, 1, 1).daysTo(date), seed);
    QVERIFY(std::abs(double(dayTotal) - cloud * clear) <= SlotsPerDay);
}

void TestGrid::nonRenewableFlat()
{
    const NodeInfo diesel = node(QStringLiteral("D1"), Role::Generator, false, 20);
    const qint64 midnight = localMidnightUtc(QDate(2024, 6, 1));
    for (int i = 0; i < SlotsPerDay; ++i) {
        const qint64 start = midnight + i * SlotMs;
        QCOMPARE(pvGenerationWh(diesel, start, SlotMs, 5), qint64(3000)); // 0.6 x 20 kW x 0.25 h
        QCOMPARE(pvGenerationWh(diesel, start, SlotMs, 5, true), qint64(3000));
    }
    QCOMPARE(pvGenerationWh(diesel, midnight, HourMs, 5), qint64(12000));
}

void TestGrid::noGenerationOrLoadWithoutRole()
{
    const qint64 noon = localMidnightUtc(QDate(2024, 6, 1)) + 12 * HourMs;
    const qint64 evening = noon + 7 * HourMs;
    QCOMPARE(pvGenerationWh(household(), noon, SlotMs, 1), qint64(0));
    QCOMPARE(pvGenerationWh(node("S", Role::Storage, true, 10), noon, SlotMs, 1), qint64(0));
    QCOMPARE(householdLoadWh(pvNode(), evening, SlotMs, 1), qint64(0));
    QCOMPARE(householdLoadWh(node("S", Role::Storage, true, 10), evening, SlotMs, 1), qint64(0));
}

void TestGrid::loadShape_data()
{
    QTest::addColumn<double>("kw");
    QTest::addColumn<quint64>("seed");
    QTest::newRow("5 kW") << 5.0 << quint64(3);
    QTest::newRow("2 kW") << 2.0 << quint64(11);
    QTest::newRow("12 kW") << 12.0 << quint64(99);
}

void TestGrid::loadShape()
{
    QFETCH(double, kw);
    QFETCH(quint64, seed);
    const NodeInfo h = household(QStringLiteral("H"), kw);
    const QDate date(2024, 6, 1);
    const qint64 midnight = localMidnightUtc(date);
    auto at = [&](double hour, bool forecast) {
        return householdLoadWh(h, midnight + qint64(hour * double(HourMs)), SlotMs, seed, forecast);
    };
    // Forecast shape: evening and morning peaks above midday and night.
    QVERIFY(at(19, true) > at(13, true));
    QVERIFY(at(8, true) > at(13, true));
    QVERIFY(at(13, true) > at(3, true));
    // With noise (+-15%) the evening peak (2.0) still beats midday (0.8).
    for (int day = 0; day < 30; ++day) {
        const qint64 dayStart = midnight + day * DayMs;
        QVERIFY(householdLoadWh(h, dayStart + 19 * HourMs, SlotMs, seed)
                > householdLoadWh(h, dayStart + 13 * HourMs, SlotMs, seed));
    }
    // Daily mean power is 0.3 x capacity.
    qint64 total = 0;
    for (int i = 0; i < SlotsPerDay; ++i)
        total += householdLoadWh(h, midnight + i * SlotMs, SlotMs, seed, true);
    QVERIFY(std::abs(double(total) - 0.3 * kw * 24000.0) <= SlotsPerDay);
    // A whole day in one call (integral over all bands).
    QVERIFY(std::abs(double(householdLoadWh(h, midnight, DayMs, seed, true)) - 0.3 * kw * 24000.0) <= 1.0);
}

void TestGrid::forecastWithinNoise_data()
{
    QTest::addColumn<bool>("pv");
    QTest::addColumn<double>("noise");
    QTest::newRow("pv +-10%") << true << 0.10;
    QTest::newRow("load +-15%") << false << 0.15;
}

void TestGrid::forecastWithinNoise()
{
    QFETCH(bool, pv);
    QFETCH(double, noise);
    const NodeInfo n = pv ? pvNode() : household();
    const qint64 midnight = localMidnightUtc(QDate(2024, 6, 1));
    int differ = 0, counted = 0;
    double maxRel = 0;
    for (int i = 0; i < 7 * SlotsPerDay; ++i) {
        const qint64 start = midnight + i * SlotMs;
        const qint64 f = pv ? pvGenerationWh(n, start, SlotMs, 9, true) : householdLoadWh(n, start, SlotMs, 9, true);
        const qint64 a = pv ? pvGenerationWh(n, start, SlotMs, 9) : householdLoadWh(n, start, SlotMs, 9);
        QVERIFY2(std::abs(double(a - f)) <= noise * double(f) + 1.0,
                 qPrintable(QStringLiteral("slot %1: forecast %2 actual %3").arg(i).arg(f).arg(a)));
        if (f > 100) {
            ++counted;
            differ += a != f;
            maxRel = std::max(maxRel, std::abs(double(a - f)) / double(f));
        }
    }
    QVERIFY(counted > 100);
    QVERIFY(differ > counted * 9 / 10);
    QVERIFY(maxRel > noise * 0.8); // the noise spans its band
}

void TestGrid::seededDeterminism()
{
    const NodeInfo pv = pvNode();
    const NodeInfo h = household();
    const qint64 midnight = localMidnightUtc(QDate(2024, 6, 1));
    bool pvDiffers = false, loadDiffers = false, nodeDiffers = false;
    for (int i = 0; i < SlotsPerDay; ++i) {
        const qint64 start = midnight + i * SlotMs;
        QCOMPARE(pvGenerationWh(pv, start, SlotMs, 123), pvGenerationWh(pv, start, SlotMs, 123));
        QCOMPARE(householdLoadWh(h, start, SlotMs, 123), householdLoadWh(h, start, SlotMs, 123));
        pvDiffers |= pvGenerationWh(pv, start, SlotMs, 123) != pvGenerationWh(pv, start, SlotMs, 124);
        loadDiffers |= householdLoadWh(h, start, SlotMs, 123) != householdLoadWh(h, start, SlotMs, 124);
        nodeDiffers |= pvGenerationWh(pv, start, SlotMs, 123) != pvGenerationWh(pvNode("PV2"), start, SlotMs, 123);
    }
    QVERIFY(pvDiffers);
    QVERIFY(loadDiffers);
    QVERIFY(nodeDiffers);
    // Streams are independent.
    QCOMPARE(seededUnit(1, QStringLiteral("N01"), SeedStream::Cloud, 0), seededUnit(1, QStringLiteral("N01"), SeedStream::Cloud, 0));
    QVERIFY(seededUnit(1, QStringLiteral("N01"), SeedStream::Cloud, 0) != seededUnit(1, QStringLiteral("N01"), SeedStream::PvNoise, 0));
    for (qint64 day = 0; day < 1000; ++day) {
        const double c = cloudFactor(pv, day, 5);
        QVERIFY(c >= 0.3 && c <= 1.0);
    }
}

void TestGrid::storageLimits_data()
{
    QTest::addColumn<qint64>("capacity");
    QTest::addColumn<qint64>("power");
    QTest::addColumn<qint64>("initial");
    QTest::addColumn<qint64>("slotMs");
    QTest::newRow("10 kWh 5 kW empty") << qint64(10000) << qint64(5000) << qint64(0) << SlotMs;
    QTest::newRow("10 kWh 5 kW full") << qint64(10000) << qint64(5000) << qint64(10000) << SlotMs;
    QTest::newRow("small battery big power") << qint64(500) << qint64(20000) << qint64(250) << SlotMs;
    QTest::newRow("initial above capacity") << qint64(1000) << qint64(1000) << qint64(5000) << HourMs;
    QTest::newRow("negative initial") << qint64(1000) << qint64(1000) << qint64(-5) << SlotMs;
    QTest::newRow("no power") << qint64(1000) << qint64(0) << qint64(500) << SlotMs;
}

void TestGrid::storageLimits()
{
    QFETCH(qint64, capacity);
    QFETCH(qint64, power);
    QFETCH(qint64, initial);
    QFETCH(qint64, slotMs);
    Storage s(capacity, power, initial);
    QVERIFY(s.socWh() >= 0 && s.socWh() <= capacity);
    const qint64 maxMove = power * slotMs / HourMs;
    quint64 x = 88172645463325252ULL; // xorshift: a fixed sequence of surpluses and deficits
    for (int i = 0; i < 2000; ++i) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        const qint64 amount = qint64(x % 8001) - 4000;
        const qint64 before = s.socWh();
        const qint64 moved = amount >= 0 ? s.absorb(amount, slotMs) : s.supply(-amount, slotMs);
        QCOMPARE(s.socWh() - before, moved);
        QVERIFY(std::abs(moved) <= maxMove);
        QVERIFY(std::abs(moved) <= std::abs(amount));
        QVERIFY(amount >= 0 ? moved >= 0 : moved <= 0);
        QVERIFY(s.socWh() >= 0 && s.socWh() <= capacity);
    }
    QCOMPARE(s.absorb(-100, slotMs), qint64(0));
    QCOMPARE(s.supply(-100, slotMs), qint64(0));
}

void TestGrid::storageExact()
{
    Storage s(10000, 5000, 0); // 15 min at 5 kW = 1250 Wh
    QCOMPARE(s.capacityWh(), qint64(10000));
    QCOMPARE(s.maxEnergyWh(SlotMs), qint64(1250));
    QCOMPARE(s.absorb(2000, SlotMs), qint64(1250));
    QCOMPARE(s.absorb(300, SlotMs), qint64(300));
    QCOMPARE(s.socWh(), qint64(1550));
    QCOMPARE(s.supply(1000, SlotMs), qint64(-1000));
    QCOMPARE(s.supply(1000, SlotMs), qint64(-550)); // empty
    QCOMPARE(s.socWh(), qint64(0));
    QCOMPARE(s.supply(1000, SlotMs), qint64(0));
    for (int i = 0; i < 10; ++i)
        s.absorb(5000, SlotMs);
    QCOMPARE(s.socWh(), qint64(10000)); // full
    QCOMPARE(s.absorb(100, SlotMs), qint64(0));
}

void TestGrid::agentSellsAtNoon_data()
{
    QTest::addColumn<quint64>("seed");
    for (quint64 seed : {1, 2, 3, 17, 1000})
        QTest::newRow(qPrintable(QStringLiteral("seed %1").arg(seed))) << seed;
}

void TestGrid::agentSellsAtNoon()
{
    QFETCH(quint64, seed);
    const market::MarketConfig config;
    for (const NodeInfo &n : {pvNode(), node(QStringLiteral("P1"), Role::Generator | Role::Consumer, true, 50)}) {
        ProsumerAgent agent(n, seed, config);
        for (int day = 0; day < 5; ++day) {
            const qint64 slot = slotAtLocalHour(QDate(2024, 6, 1).addDays(day), 12);
            const auto order = agent.planOrder(slot);
            QVERIFY(order.has_value());
            QCOMPARE(order->side, ledger::Side::Sell);
            QVERIFY(order->energyWh > ProsumerAgent::MinOrderWh);
            // The surplus, up to the largest order an agent places (the regulator's default trade size).
            QCOMPARE(order->energyWh, std::min(agent.forecastNetWh(slot), config.maxOrderWh));
            QCOMPARE(order->deliverySlot, slot);
            QCOMPARE(order->expiresAtMs, config.slotStartMs(slot));
            QVERIFY(!order->renewableOnly);
        }
        // Nothing to sell at night.
        const auto night = agent.planOrder(slotAtLocalHour(QDate(2024, 6, 1), 2));
        QVERIFY(!night || night->side == ledger::Side::Buy);
    }
    QVERIFY(!ProsumerAgent(pvNode(), seed, config).planOrder(slotAtLocalHour(QDate(2024, 6, 1), 2)).has_value());
}

void TestGrid::agentBuysInEvening_data()
{
    QTest::addColumn<quint64>("seed");
    QTest::addColumn<double>("kw");
    QTest::newRow("seed 1, 5 kW") << quint64(1) << 5.0;
    QTest::newRow("seed 2, 3 kW") << quint64(2) << 3.0;
    QTest::newRow("seed 3, 10 kW") << quint64(3) << 10.0;
}

void TestGrid::agentBuysInEvening()
{
    QFETCH(quint64, seed);
    QFETCH(double, kw);
    const market::MarketConfig config;
    ProsumerAgent agent(household(QStringLiteral("H"), kw), seed, config);
    for (int day = 0; day < 5; ++day) {
        const qint64 slot = slotAtLocalHour(QDate(2024, 6, 1).addDays(day), 19);
        const auto order = agent.planOrder(slot);
        QVERIFY(order.has_value());
        QCOMPARE(order->side, ledger::Side::Buy);
        // 0.3 x kW x 2.0 x 0.25 h
        QCOMPARE(order->energyWh, std::llround(0.3 * kw * 2.0 * 250.0));
        QCOMPARE(order->renewableOnly, agent.prefersRenewable());
    }
}

void TestGrid::agentPricesInBand()
{
    market::MarketConfig config;
    config.feedInTariff = 80;
    config.gridTariff = 300;
    const double band = double(config.gridTariff - config.feedInTariff);
    const QList<NodeInfo> nodes{pvNode(), household(), node(QStringLiteral("P"), Role::Generator | Role::Consumer, true, 6),
                                node(QStringLiteral("PS"), Role::Generator | Role::Consumer | Role::Storage, true, 8)};
    int sells = 0, buys = 0;
    for (quint64 seed = 1; seed <= 5; ++seed) {
        for (const NodeInfo &n : nodes) {
            ProsumerAgent agent(n, seed, config);
            const qint64 first = slotAtLocalHour(QDate(2024, 6, 1), 0);
            for (qint64 slot = first; slot < first + 2 * SlotsPerDay; ++slot) {
                const auto order = agent.planOrder(slot);
                agent.meter(slot);
                if (!order)
                    continue;
                const qint64 p = order->priceMilliPerKwh;
                QVERIFY(p >= config.feedInTariff && p <= config.gridTariff);
                const double u = double(p - config.feedInTariff) / band;
                if (order->side == ledger::Side::Sell) {
                    ++sells;
                    QVERIFY2(u >= 0.2 - 0.005 && u <= 0.6 + 0.005, qPrintable(QString::number(u)));
                } else {
                    ++buys;
                    QVERIFY2(u >= 0.4 - 0.005 && u <= 0.8 + 0.005, qPrintable(QString::number(u)));
                }
                QVERIFY(order->energyWh > ProsumerAgent::MinOrderWh);
            }
        }
    }
    QVERIFY(sells > 100);
    QVERIFY(buys > 100);
}

void TestGrid::agentRenewablePreference()
{
    const market::MarketConfig config;
    int prefers = 0;
    const int count = 1000;
    for (int i = 0; i < count; ++i) {
        const NodeInfo h = household(QStringLiteral("H%1").arg(i));
        const bool p = ProsumerAgent(h, 77, config).prefersRenewable();
        QCOMPARE(ProsumerAgent(h, 77, config).prefersRenewable(), p); // stable
        prefers += p;
    }
    QVERIFY2(prefers > count / 10 && prefers < count * 3 / 10, qPrintable(QString::number(prefers)));
    QVERIFY(!ProsumerAgent(pvNode(), 77, config).prefersRenewable()); // a pure generator never buys
}

void TestGrid::agentDeterministic()
{
    const market::MarketConfig config;
    const NodeInfo n = node(QStringLiteral("PS"), Role::Generator | Role::Consumer | Role::Storage, true, 8);
    ProsumerAgent a(n, 5, config), b(n, 5, config), c(n, 6, config);
    const qint64 first = slotAtLocalHour(QDate(2024, 6, 1), 0);
    bool differs = false;
    for (qint64 slot = first; slot < first + SlotsPerDay; ++slot) {
        const auto oa = a.planOrder(slot);
        QCOMPARE(oa, b.planOrder(slot));
        differs |= oa != c.planOrder(slot);
        const market::MeterReading ma = a.meter(slot);
        QCOMPARE(ma, b.meter(slot));
        differs |= ma != c.meter(slot);
    }
    QVERIFY(differs);
}

void TestGrid::agentMeterWithStorage()
{
    const market::MarketConfig config;
    const NodeInfo n = node(QStringLiteral("PS"), Role::Generator | Role::Consumer | Role::Storage, true, 8);
    const NodeInfo plain = node(QStringLiteral("PS"), Role::Generator | Role::Consumer, true, 8);
    ProsumerAgent agent(n, 3, config);
    ProsumerAgent without(plain, 3, config);
    QVERIFY(agent.storage().has_value());
    QVERIFY(!without.storage().has_value());
    QCOMPARE(agent.storage()->capacityWh(), qint64(16000)); // 2 h x 8 kW
    QCOMPARE(agent.storage()->socWh(), qint64(8000));       // half full

    const qint64 first = slotAtLocalHour(QDate(2024, 6, 1), 0);
    qint64 absNetWith = 0, absNetWithout = 0;
    for (qint64 slot = first; slot < first + 3 * SlotsPerDay; ++slot) {
        const qint64 start = config.slotStartMs(slot);
        const qint64 gen = pvGenerationWh(n, start, config.slotMs, 3);
        const qint64 load = householdLoadWh(n, start, config.slotMs, 3);
        const qint64 before = agent.storage()->socWh();
        agent.planOrder(slot);
        QCOMPARE(agent.storage()->socWh(), before); // planning does not move the battery
        const market::MeterReading r = agent.meter(slot);
        const qint64 delta = agent.storage()->socWh() - before;
        QCOMPARE(r.node, n.id);
        QCOMPARE(r.slot, slot);
        // Charging counts as consumption, discharging as generation.
        QCOMPARE(r.generatedWh, gen + std::max<qint64>(0, -delta));
        QCOMPARE(r.consumedWh, load + std::max<qint64>(0, delta));
        QCOMPARE(r.generatedWh - r.consumedWh, gen - load - delta);
        QVERIFY(agent.storage()->socWh() >= 0 && agent.storage()->socWh() <= agent.storage()->capacityWh());
        QVERIFY(std::abs(delta) <= 2000); // 8 kW x 0.25 h
        // The battery only ever reduces the net energy at the connection.
        QVERIFY(std::abs(r.generatedWh - r.consumedWh) <= std::abs(gen - load));

        const market::MeterReading w = without.meter(slot);
        QCOMPARE(w.generatedWh, gen);
        QCOMPARE(w.consumedWh, load);
        absNetWith += std::abs(r.generatedWh - r.consumedWh);
        absNetWithout += std::abs(gen - load);
    }
    QVERIFY(absNetWith < absNetWithout);
}

QTEST_GUILESS_MAIN(TestGrid)
#include "tst_grid.moc"
