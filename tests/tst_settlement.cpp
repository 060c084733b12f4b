#include "core/market/settlement.h"

#include <QTest>

#include <map>
#include <random>

using namespace mg;
using namespace mg::market;
using ledger::Transfer;

Q_DECLARE_METATYPE(QList<Contract>)
Q_DECLARE_METATYPE(QList<MeterReading>)
Q_DECLARE_METATYPE(QList<Transfer>)
Q_DECLARE_METATYPE(QList<ContractOutcome>)

namespace {

constexpr qint64 Slot = 7;

crypto::Hash256 tid(int n)
{
    return crypto::sha256(QByteArray(QByteArray("trade ") + QByteArray::number(n)));
}

Contract contract(int n, const QString &buyer, const QString &seller, qint64 wh, qint64 price, qint64 penalty = 150,
                  qint64 slot = Slot)
{
    return Contract{tid(n), buyer, seller, wh, price, penalty, slot};
}

MeterReading reading(const QString &node, qint64 generated, qint64 consumed, qint64 slot = Slot)
{
    return MeterReading{node, slot, generated, consumed};
}

Transfer delivery(int n, const QString &buyer, const QString &seller, qint64 amount, qint64 wh)
{
    return Transfer{buyer, seller, amount, wh, Transfer::Reason::Delivery, tid(n)};
}

Transfer penalty(int n, const QString &seller, const QString &buyer, qint64 amount, qint64 wh)
{
    return Transfer{seller, buyer, amount, wh, Transfer::Reason::Penalty, tid(n)};
}

Transfer gridImport(const QString &node, qint64 amount, qint64 wh)
{
    return Transfer{node, GridAccount, amount, wh, Transfer::Reason::GridImport, {}};
}

Transfer gridExport(const QString &node, qint64 amount, qint64 wh)
{
    return Transfer{GridAccount, node, amount, wh, Transfer::Reason::GridExport, {}};
}

ContractOutcome outcome(int n, qint64 delivered, bool defaulted)
{
    return ContractOutcome{tid(n), delivered, defaulted};
}

// Readable form for failure messages: "B->S 200m 1000Wh delivery #1".
QStringList describe(const QList<Transfer> &transfers)
{
    static const char *const reasons[] = {"?", "delivery", "penalty", "grid-import", "grid-export", "reversal"};
    QStringList out;
    for (const Transfer &t : transfers) {
        QString trade;
        for (int n = 0; n < 100 && !t.tradeId.isNull(); ++n)
            if (tid(n) == t.tradeId)
                trade = QStringLiteral(" #%1").arg(n);
        out << QStringLiteral("%1->%2 %3m %4Wh %5%6")
                   .arg(t.from, t.to)
                   .arg(t.amountMilli)
                   .arg(t.energyWh)
                   .arg(QLatin1String(reasons[int(t.reason)]), trade);
    }
    return out;
}

QStringList describe(const QList<ContractOutcome> &outcomes)
{
    QStringList out;
    for (const ContractOutcome &o : outcomes)
        out << QStringLiteral("%1 %2Wh%3").arg(o.tradeId.shortHex()).arg(o.deliveredWh).arg(o.defaulted ? " default" : "");
    return out;
}

} // namespace

class TestSettlement : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void settle_data();
    void settle();
    void accountsEnergyFollowsMoney();
    void conservation_data();
    void conservation();
};

void TestSettlement::settle_data()
{
    QTest::addColumn<QList<Contract>>("contracts");
    QTest::addColumn<QList<MeterReading>>("readings");
    QTest::addColumn<QList<Transfer>>("transfers");
    QTest::addColumn<QList<ContractOutcome>>("outcomes");

    // Default tariffs: feed-in 80, grid 300 (milli/kWh).
    QTest::newRow("full delivery")
        << QList<Contract>{contract(1, "B", "S", 1000, 200)}
        << QList<MeterReading>{reading("S", 1500, 500), reading("B", 0, 1000)}
        << QList<Transfer>{delivery(1, "B", "S", 200, 1000)}
        << QList<ContractOutcome>{outcome(1, 1000, false)};

    // S exports 600 of 1000: 600 x 200 = 120; penalty 400 x 150 = 60; B buys 400 x 300 = 120 from the grid.
    QTest::newRow("partial delivery")
        << QList<Contract>{contract(1, "B", "S", 1000, 200)}
        << QList<MeterReading>{reading("S", 900, 300), reading("B", 0, 1000)}
        << QList<Transfer>{delivery(1, "B", "S", 120, 600), penalty(1, "S", "B", 60, 400), gridImport("B", 120, 400)}
        << QList<ContractOutcome>{outcome(1, 600, true)};

    // S imports itself: nothing delivered (no zero transfer), penalty 500 x 150 = 75; B imports 500
    // (150), S imports its own 200 (60); grid flows by node id.
    QTest::newRow("seller without export defaults fully")
        << QList<Contract>{contract(1, "B", "S", 500, 250)}
        << QList<MeterReading>{reading("S", 0, 200), reading("B", 0, 500)}
        << QList<Transfer>{penalty(1, "S", "B", 75, 500), gridImport("B", 150, 500), gridImport("S", 60, 200)}
        << QList<ContractOutcome>{outcome(1, 0, true)};

    // S's unsold 500 and G's 2000 go to the grid at 80: 40 and 160.
    QTest::newRow("surplus sold to grid at feed-in")
        << QList<Contract>{contract(1, "B", "S", 1000, 200)}
        << QList<MeterReading>{reading("S", 1500, 0), reading("B", 0, 1000), reading("G", 2000, 0)}
        << QList<Transfer>{delivery(1, "B", "S", 200, 1000), gridExport("G", 160, 2000), gridExport("S", 40, 500)}
        << QList<ContractOutcome>{outcome(1, 1000, false)};

    // P sells 800 to B but exports only 500 (500 x 200 = 100, penalty 300 x 150 = 45); P buys 300
    // from S (300 x 220 = 66). B: 500 - 800 = -300 -> 90 from the grid; P: 500 + 300 - 500 = +300
    // -> 24 from the grid.
    QTest::newRow("node sells and buys")
        << QList<Contract>{contract(1, "B", "P", 800, 200), contract(2, "P", "S", 300, 220)}
        << QList<MeterReading>{reading("P", 1000, 500), reading("S", 300, 0), reading("B", 0, 800)}
        << QList<Transfer>{delivery(1, "B", "P", 100, 500), penalty(1, "P", "B", 45, 300),
                           delivery(2, "P", "S", 66, 300), gridImport("B", 90, 300), gridExport("P", 24, 300)}
        << QList<ContractOutcome>{outcome(1, 500, true), outcome(2, 300, false)};

    // Two sell contracts of one seller: export is allocated in chain order.
    QTest::newRow("seller export allocated in chain order")
        << QList<Contract>{contract(1, "B", "S", 400, 200), contract(2, "C", "S", 400, 100)}
        << QList<MeterReading>{reading("S", 600, 0), reading("B", 0, 400), reading("C", 0, 400)}
        << QList<Transfer>{delivery(1, "B", "S", 80, 400), delivery(2, "C", "S", 20, 200),
                           penalty(2, "S", "C", 30, 200), gridImport("C", 60, 200)}
        << QList<ContractOutcome>{outcome(1, 400, false), outcome(2, 200, true)};

    // No reading from the seller: 0/0, so a full default (700 x 150 = 105); B imports 700 (210).
    QTest::newRow("missing seller reading")
        << QList<Contract>{contract(1, "B", "S", 700, 150)}
        << QList<MeterReading>{reading("B", 0, 700)}
        << QList<Transfer>{penalty(1, "S", "B", 105, 700), gridImport("B", 210, 700)}
        << QList<ContractOutcome>{outcome(1, 0, true)};

    // No reading from the buyer: the delivered 700 Wh (105) is its surplus, sold on at 80 (56).
    QTest::newRow("missing buyer reading")
        << QList<Contract>{contract(1, "B", "S", 700, 150)}
        << QList<MeterReading>{reading("S", 700, 0)}
        << QList<Transfer>{delivery(1, "B", "S", 105, 700), gridExport("B", 56, 700)}
        << QList<ContractOutcome>{outcome(1, 700, false)};

    // 200 x 151 = 30.2 -> 30; 133 x 150 = 19.95 -> 20; 133 x 300 = 39.9 -> 40; 1 x 300 = 0.3 -> 0
    // (kept: it moves energy); 5 x 300 = 1.5 -> 2 (half away from zero); 6 x 80 = 0.48 -> 0.
    QTest::newRow("rounding")
        << QList<Contract>{contract(1, "B", "S", 333, 151)}
        << QList<MeterReading>{reading("S", 200, 0), reading("B", 0, 333), reading("X", 0, 1), reading("Z", 0, 5),
                               reading("Y", 6, 0)}
        << QList<Transfer>{delivery(1, "B", "S", 30, 200), penalty(1, "S", "B", 20, 133), gridImport("B", 40, 133),
                           gridImport("X", 0, 1), gridExport("Y", 0, 6), gridImport("Z", 2, 5)}
        << QList<ContractOutcome>{outcome(1, 200, true)};

    // A zero penalty rate still records the default (amount 0, 250 Wh).
    QTest::newRow("zero penalty rate")
        << QList<Contract>{contract(1, "B", "S", 250, 100, 0)}
        << QList<MeterReading>{reading("B", 250, 250)}
        << QList<Transfer>{penalty(1, "S", "B", 0, 250)}
        << QList<ContractOutcome>{outcome(1, 0, true)};

    // Contracts and readings of other slots are ignored; a zero-energy contract moves nothing.
    QTest::newRow("other slots ignored, zero contract")
        << QList<Contract>{contract(1, "B", "S", 500, 200, 150, Slot + 1), contract(2, "B", "S", 0, 200)}
        << QList<MeterReading>{reading("S", 500, 0, Slot + 1), reading("B", 0, 100), reading("B", 0, 100, Slot - 1)}
        << QList<Transfer>{gridImport("B", 30, 100)}
        << QList<ContractOutcome>{outcome(2, 0, false)};

    // Two readings of one node in the slot are summed.
    QTest::newRow("duplicate readings summed")
        << QList<Contract>{}
        << QList<MeterReading>{reading("A", 100, 0), reading("A", 0, 400)}
        << QList<Transfer>{gridImport("A", 90, 300)}
        << QList<ContractOutcome>{};

    QTest::newRow("nothing") << QList<Contract>{} << QList<MeterReading>{reading("A", 10, 10)} << QList<Transfer>{}
                             << QList<ContractOutcome>{};
}

void TestSettlement::settle()
{
    QFETCH(QList<Contract>, contracts);
    QFETCH(QList<MeterReading>, readings);
    QFETCH(QList<Transfer>, transfers);
    QFETCH(QList<ContractOutcome>, outcomes);

    const MarketConfig config;
    const SlotSettlement s = settleSlot(Slot, contracts, readings, config);
    QCOMPARE(s.slot, Slot);
    QCOMPARE(describe(s.transfers), describe(transfers));
    QVERIFY(s.transfers == transfers);
    QCOMPARE(describe(s.outcomes), describe(outcomes));
    QVERIFY(s.outcomes == outcomes);

    qint64 importWh = 0, exportWh = 0, importMilli = 0, exportMilli = 0;
    for (const Transfer &t : transfers) {
        if (t.reason == Transfer::Reason::GridImport) {
            importWh += t.energyWh;
            importMilli += t.amountMilli;
        } else if (t.reason == Transfer::Reason::GridExport) {
            exportWh += t.energyWh;
            exportMilli += t.amountMilli;
        }
    }
    QCOMPARE(s.gridImportWh, importWh);
    QCOMPARE(s.gridExportWh, exportWh);
    QCOMPARE(s.gridImportMilli, importMilli);
    QCOMPARE(s.gridExportMilli, exportMilli);
    QCOMPARE(s.toPayload().transfers, s.transfers);
}

void TestSettlement::accountsEnergyFollowsMoney()
{
    Accounts a;
    a.apply(QList<Transfer>{delivery(1, "B", "S", 200, 1000), penalty(1, "S", "B", 60, 400),
                            gridImport("B", 120, 400), gridExport("S", 40, 500),
                            Transfer{"S", "B", 50, 250, Transfer::Reason::Reversal, tid(1)}});
    QCOMPARE(a.nodes(), (QList<NodeId>{"B", "S"}));
    QCOMPARE(a.balance("B"), -200 + 60 - 120 + 50);
    QCOMPARE(a.balance("S"), 200 - 60 + 40 - 50);
    QCOMPARE(a.energyWh("B"), 1000 + 400 - 250); // bought, imported, reversed; penalty moves no energy
    QCOMPARE(a.energyWh("S"), -1000 - 500 + 250);
    QCOMPARE(a.gridPaidMilli(), 40);
    QCOMPARE(a.gridReceivedMilli(), 120);
    QCOMPARE(a.total(), a.gridPaidMilli() - a.gridReceivedMilli());
    QCOMPARE(a.balance("nobody"), 0);
    QCOMPARE(a.energyWh("nobody"), 0);
}

void TestSettlement::conservation_data()
{
    QTest::addColumn<quint64>("seed");
    QTest::addColumn<int>("nodeCount");
    QTest::newRow("seed 1, 8 nodes") << quint64(1) << 8;
    QTest::newRow("seed 2, 3 nodes") << quint64(2) << 3;
    QTest::newRow("seed 3, 20 nodes") << quint64(3) << 20;
}

void TestSettlement::conservation()
{
    QFETCH(quint64, seed);
    QFETCH(int, nodeCount);

    // mt19937_64's raw output is specified by the standard, so the cases are the same everywhere.
    std::mt19937_64 rng(seed);
    auto pick = [&](qint64 lo, qint64 hi) { return lo + qint64(rng() % quint64(hi - lo + 1)); };

    QStringList ids;
    for (int i = 0; i < nodeCount; ++i)
        ids << QStringLiteral("N%1").arg(i, 2, 10, QLatin1Char('0'));

    MarketConfig config;
    Accounts accounts;
    std::map<QString, qint64> expectedEnergy; // consumed - generated over all slots
    std::map<QString, qint64> expectedBalance;
    qint64 sumExportMilli = 0, sumImportMilli = 0;
    int tradeNo = 0;

    for (qint64 slot = 1000; slot < 1500; ++slot) {
        config.feedInTariff = pick(0, 100);
        config.gridTariff = pick(config.feedInTariff, 400);

        QList<MeterReading> readings;
        std::map<QString, qint64> net;
        for (const QString &id : ids) {
            if (pick(0, 9) < 2)
                continue; // missing reading
            const MeterReading r = reading(id, pick(0, 3000), pick(0, 3000), slot);
            readings.append(r);
            net[id] += r.generatedWh - r.consumedWh;
            expectedEnergy[id] += r.consumedWh - r.generatedWh;
        }
        QList<Contract> contracts;
        const int n = int(pick(0, 8));
        for (int i = 0; i < n; ++i) {
            const QString buyer = ids[pick(0, nodeCount - 1)];
            const QString seller = pick(0, 19) == 0 ? buyer : ids[pick(0, nodeCount - 1)]; // some self-trades
            contracts.append(Contract{tid(tradeNo++), buyer, seller, pick(0, 2500), pick(config.feedInTariff, config.gridTariff),
                                      pick(0, 300), slot});
        }

        const SlotSettlement s = settleSlot(slot, contracts, readings, config);

        // Money: node-to-node transfers cancel.
        std::map<QString, qint64> delta;
        for (const Transfer &t : s.transfers) {
            QVERIFY(t.energyWh > 0);
            QVERIFY(t.amountMilli >= 0);
            delta[t.from] -= t.amountMilli;
            delta[t.to] += t.amountMilli;
        }
        qint64 nodesNet = 0;
        for (const auto &[node, d] : delta)
            if (node != GridAccount) {
                nodesNet += d;
                expectedBalance[node] += d;
            }
        QCOMPARE(nodesNet, s.gridExportMilli - s.gridImportMilli);

        // Energy: sum of balances == sum of nets.
        qint64 sumNet = 0;
        for (const auto &[node, v] : net)
            sumNet += v;
        QCOMPARE(s.gridExportWh - s.gridImportWh, sumNet);

        // Outcomes: one per contract; no seller delivers more than it exported.
        QCOMPARE(s.outcomes.size(), contracts.size());
        std::map<QString, qint64> deliveredBySeller;
        for (int i = 0; i < contracts.size(); ++i) {
            const ContractOutcome &o = s.outcomes[i];
            QCOMPARE(o.tradeId, contracts[i].tradeId);
            QVERIFY(o.deliveredWh >= 0 && o.deliveredWh <= contracts[i].energyWh);
            QCOMPARE(o.defaulted, o.deliveredWh < contracts[i].energyWh);
            deliveredBySeller[contracts[i].seller] += o.deliveredWh;
        }
        for (const auto &[seller, wh] : deliveredBySeller)
            QVERIFY(wh <= std::max<qint64>(0, net.count(seller) ? net.at(seller) : 0));

        sumExportMilli += s.gridExportMilli;
        sumImportMilli += s.gridImportMilli;
        accounts.apply(s.toPayload());
    }

    QCOMPARE(accounts.gridPaidMilli(), sumExportMilli);
    QCOMPARE(accounts.gridReceivedMilli(), sumImportMilli);
    QCOMPARE(accounts.total(), accounts.gridPaidMilli() - accounts.gridReceivedMilli());
    const QList<NodeId> nodes = accounts.nodes();
    QVERIFY(!nodes.contains(GridAccount));
    QVERIFY(std::is_sorted(nodes.begin(), nodes.end()));
    for (const QString &id : ids) {
        QCOMPARE(accounts.energyWh(id), expectedEnergy[id]);
        QCOMPARE(accounts.balance(id), expectedBalance[id]);
    }
}

QTEST_GUILESS_MAIN(TestSettlement)
#include "tst_settlement.moc"
