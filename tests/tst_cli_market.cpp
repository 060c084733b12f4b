// microgrid-cli's market, run as a user would: `run --market`, `run --violations`, and the
// `orders`, `trades` and `accounts` listings of a data directory.

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSet>
#include <QTemporaryDir>
#include <QtTest>

#include "cli_fixture.h"

namespace {

using Run = test::CliRun;

Run cli(const QStringList &args, int timeoutMs = 35000)
{
    return test::cli(args, timeoutMs);
}

using test::parseObject;

QByteArray describe(const Run &r)
{
    return "exit " + QByteArray::number(r.exitCode) + "; stderr: " + r.err.left(800) + "; stdout: " + r.out.left(300);
}

} // namespace

#define PARSE(var, run)                                                   \
    QString var##Error;                                                   \
    const QJsonObject var = parseObject((run).out, &var##Error);          \
    QVERIFY2(var##Error.isEmpty(), qPrintable(var##Error))

class TestCliMarket : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void runMarket_data()
    {
        QTest::addColumn<QString>("mode");
        QTest::newRow("cda") << QStringLiteral("cda");
        QTest::newRow("paper") << QStringLiteral("paper");
    }
    void runMarket()
    {
        QFETCH(QString, mode);
        const Run r = cli({QStringLiteral("run"), QStringLiteral("--duration"), QStringLiteral("7200"), QStringLiteral("--virtual"),
                           QStringLiteral("--groups"), QStringLiteral("4"), QStringLiteral("--market"), mode,
                           QStringLiteral("--seed"), QStringLiteral("5"), QStringLiteral("--json")});
        QVERIFY2(r.exitCode == 0, describe(r).constData());
        PARSE(root, r);
        QVERIFY(root.value(QStringLiteral("market")).isObject());
        const QJsonObject m = root.value(QStringLiteral("market")).toObject();
        for (const char *key : {"orders", "trades", "energy_traded_wh", "mean_price", "defaults", "penalties_milli",
                                "grid_import_wh", "grid_export_wh", "conserved"})
            QVERIFY2(m.contains(QLatin1String(key)), key);
        QCOMPARE(m.value(QStringLiteral("mode")).toString(), mode);
        QCOMPARE(m.value(QStringLiteral("conserved")).toBool(), true);
        QVERIFY(m.value(QStringLiteral("orders")).toInteger() > 0);
        QVERIFY(m.value(QStringLiteral("trades")).toInteger() > 0);
        QVERIFY(m.value(QStringLiteral("energy_traded_wh")).toInteger() > 0);
        const double mean = m.value(QStringLiteral("mean_price")).toDouble();
        QVERIFY2(mean >= 80 && mean <= 300, qPrintable(QString::number(mean)));
        QVERIFY(m.value(QStringLiteral("defaults")).toInteger() >= 0);
        QVERIFY(m.value(QStringLiteral("penalties_milli")).toInteger() >= 0);
        QVERIFY(m.value(QStringLiteral("grid_import_wh")).toInteger() >= 0);
        QVERIFY(m.value(QStringLiteral("grid_export_wh")).toInteger() >= 0);
        QCOMPARE(m.value(QStringLiteral("balances_milli")).toInteger(),
                 m.value(QStringLiteral("grid_paid_milli")).toInteger() - m.value(QStringLiteral("grid_received_milli")).toInteger());
        // No violations were asked for: no violations report.
        QVERIFY(!root.contains(QStringLiteral("violations")));
    }

    void runMarketBadMode()
    {
        const Run r = cli({QStringLiteral("run"), QStringLiteral("--duration"), QStringLiteral("60"), QStringLiteral("--virtual"),
                           QStringLiteral("--market"), QStringLiteral("foo"), QStringLiteral("--json")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("foo"), r.err.constData());
        QVERIFY2(r.err.contains("--market"), r.err.constData());
        QVERIFY(r.out.trimmed().isEmpty());
    }

    void runViolations()
    {
        const Run r = cli({QStringLiteral("run"), QStringLiteral("--duration"), QStringLiteral("3600"), QStringLiteral("--virtual"),
                           QStringLiteral("--groups"), QStringLiteral("10"), QStringLiteral("--violations"), QStringLiteral("14"),
                           QStringLiteral("--seed"), QStringLiteral("2"), QStringLiteral("--json")});
        QVERIFY2(r.exitCode == 0, describe(r).constData());
        PARSE(root, r);
        const QJsonObject v = root.value(QStringLiteral("violations")).toObject();
        QCOMPARE(v.value(QStringLiteral("injected")).toInteger(), 14);
        QCOMPARE(v.value(QStringLiteral("caught")).toInteger(), 14);
        QCOMPARE(v.value(QStringLiteral("false_positives")).toInteger(), 0);
        QCOMPARE(v.value(QStringLiteral("missed")).toInteger(), 0);
        const QJsonObject halted = v.value(QStringLiteral("halted_by_reason")).toObject();
        const QStringList reasons{QStringLiteral("price_band"),   QStringLiteral("trade_size"),     QStringLiteral("export_limit"),
                                  QStringLiteral("feeder_capacity"), QStringLiteral("inactive_party"), QStringLiteral("renewable_mismatch"),
                                  QStringLiteral("self_trade")};
        qint64 sum = 0;
        for (const QString &reason : reasons) {
            QVERIFY2(halted.contains(reason), qPrintable(reason));
            QVERIFY2(halted.value(reason).toInteger() >= 1, qPrintable(reason));
            sum += halted.value(reason).toInteger();
        }
        QCOMPARE(sum, 14);
        // --violations implies the CDA market, which still conserves money.
        const QJsonObject m = root.value(QStringLiteral("market")).toObject();
        QCOMPARE(m.value(QStringLiteral("mode")).toString(), QStringLiteral("cda"));
        QCOMPARE(m.value(QStringLiteral("conserved")).toBool(), true);
    }

    void listingsOfADataDirectory()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString data = dir.filePath(QStringLiteral("grid"));
        const Run run = cli({QStringLiteral("run"), QStringLiteral("--duration"), QStringLiteral("7200"), QStringLiteral("--virtual"),
                             QStringLiteral("--groups"), QStringLiteral("4"), QStringLiteral("--market"), QStringLiteral("cda"),
                             QStringLiteral("--seed"), QStringLiteral("3"), QStringLiteral("--data"), data, QStringLiteral("--json")});
        QVERIFY2(run.exitCode == 0, describe(run).constData());
        PARSE(runJson, run);
        const QJsonObject m = runJson.value(QStringLiteral("market")).toObject();
        const qint64 runTrades = m.value(QStringLiteral("trades")).toInteger();
        const qint64 runOrders = m.value(QStringLiteral("orders")).toInteger();
        QVERIFY(runTrades > 0);

        // trades: every final trade of the run (none halted: no violations were injected).
        const Run trades = cli({QStringLiteral("trades"), QStringLiteral("--data"), data, QStringLiteral("--json")});
        QVERIFY2(trades.exitCode == 0, describe(trades).constData());
        PARSE(tradesJson, trades);
        const QJsonArray tradeList = tradesJson.value(QStringLiteral("trades")).toArray();
        qint64 finalTrades = 0, tradedWh = 0;
        QSet<QString> ids;
        for (const QJsonValue &t : tradeList) {
            const QJsonObject o = t.toObject();
            ids.insert(o.value(QStringLiteral("id")).toString());
            if (o.value(QStringLiteral("status")).toString() == QLatin1String("final")) {
                ++finalTrades;
                tradedWh += o.value(QStringLiteral("energy_wh")).toInteger();
            }
        }
        QCOMPARE(ids.size(), tradeList.size());
        QCOMPARE(finalTrades, runTrades);
        QCOMPARE(tradedWh, m.value(QStringLiteral("energy_traded_wh")).toInteger());

        // orders: every order of the run; filled energy adds up to twice the traded energy.
        const Run orders = cli({QStringLiteral("orders"), QStringLiteral("--data"), data, QStringLiteral("--json")});
        QVERIFY2(orders.exitCode == 0, describe(orders).constData());
        PARSE(ordersJson, orders);
        const QJsonArray orderList = ordersJson.value(QStringLiteral("orders")).toArray();
        QCOMPARE(qint64(orderList.size()), runOrders);
        qint64 filledWh = 0;
        for (const QJsonValue &o : orderList)
            filledWh += o.toObject().value(QStringLiteral("filled_wh")).toInteger();
        QCOMPARE(filledWh, 2 * tradedWh);

        // accounts: conserved, as the run said.
        const Run accounts = cli({QStringLiteral("accounts"), QStringLiteral("--data"), data, QStringLiteral("--json")});
        QVERIFY2(accounts.exitCode == 0, describe(accounts).constData());
        PARSE(accountsJson, accounts);
        QCOMPARE(accountsJson.value(QStringLiteral("conserved")).toBool(), true);
        const QJsonArray accountList = accountsJson.value(QStringLiteral("accounts")).toArray();
        QVERIFY(!accountList.isEmpty());
        QCOMPARE(accountsJson.value(QStringLiteral("grid_paid_milli")).toInteger(), m.value(QStringLiteral("grid_paid_milli")).toInteger());
        QCOMPARE(accountsJson.value(QStringLiteral("grid_received_milli")).toInteger(),
                 m.value(QStringLiteral("grid_received_milli")).toInteger());
        qint64 balances = 0;
        for (const QJsonValue &a : accountList)
            balances += a.toObject().value(QStringLiteral("balance_milli")).toInteger();
        QCOMPARE(balances, m.value(QStringLiteral("balances_milli")).toInteger());

        // --node filters every listing to that node.
        const QString node = tradeList.first().toObject().value(QStringLiteral("seller")).toString();
        QVERIFY(!node.isEmpty());
        const Run nodeOrders = cli({QStringLiteral("orders"), QStringLiteral("--data"), data, QStringLiteral("--node"), node, QStringLiteral("--json")});
        QVERIFY2(nodeOrders.exitCode == 0, describe(nodeOrders).constData());
        PARSE(nodeOrdersJson, nodeOrders);
        const QJsonArray nodeOrderList = nodeOrdersJson.value(QStringLiteral("orders")).toArray();
        QVERIFY(!nodeOrderList.isEmpty());
        QVERIFY(nodeOrderList.size() < orderList.size());
        for (const QJsonValue &o : nodeOrderList)
            QCOMPARE(o.toObject().value(QStringLiteral("node")).toString(), node);

        const Run nodeTrades = cli({QStringLiteral("trades"), QStringLiteral("--data"), data, QStringLiteral("--node"), node, QStringLiteral("--json")});
        QVERIFY2(nodeTrades.exitCode == 0, describe(nodeTrades).constData());
        PARSE(nodeTradesJson, nodeTrades);
        const QJsonArray nodeTradeList = nodeTradesJson.value(QStringLiteral("trades")).toArray();
        int expected = 0;
        for (const QJsonValue &t : tradeList) {
            const QJsonObject o = t.toObject();
            expected += o.value(QStringLiteral("buyer")).toString() == node || o.value(QStringLiteral("seller")).toString() == node;
        }
        QCOMPARE(nodeTradeList.size(), expected);
        QVERIFY(nodeTradeList.size() < tradeList.size());
        for (const QJsonValue &t : nodeTradeList) {
            const QJsonObject o = t.toObject();
            QVERIFY(o.value(QStringLiteral("buyer")).toString() == node || o.value(QStringLiteral("seller")).toString() == node);
        }

        const Run nodeAccounts = cli({QStringLiteral("accounts"), QStringLiteral("--data"), data, QStringLiteral("--node"), node, QStringLiteral("--json")});
        QVERIFY2(nodeAccounts.exitCode == 0, describe(nodeAccounts).constData());
        PARSE(nodeAccountsJson, nodeAccounts);
        const QJsonArray nodeAccountList = nodeAccountsJson.value(QStringLiteral("accounts")).toArray();
        QCOMPARE(nodeAccountList.size(), 1);
        QCOMPARE(nodeAccountList.first().toObject().value(QStringLiteral("node")).toString(), node);
        for (const QJsonValue &a : accountList)
            if (a.toObject().value(QStringLiteral("node")).toString() == node)
                QCOMPARE(nodeAccountList.first().toObject(), a.toObject());
    }

    void listingUsageErrors_data()
    {
        QTest::addColumn<QString>("command");
        QTest::addColumn<bool>("withDir"); // false: no --data at all
        for (const char *c : {"orders", "trades", "accounts"}) {
            QTest::addRow("%s without --data", c) << QString::fromLatin1(c) << false;
            QTest::addRow("%s with a missing directory", c) << QString::fromLatin1(c) << true;
        }
    }
    void listingUsageErrors()
    {
        QFETCH(QString, command);
        QFETCH(bool, withDir);
        QTemporaryDir dir;
        const QString missing = dir.filePath(QStringLiteral("does-not-exist"));
        QStringList args{command, QStringLiteral("--json")};
        if (withDir)
            args << QStringLiteral("--data") << missing;
        const Run r = cli(args);
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(!r.err.isEmpty(), "no message on stderr");
        if (!withDir)
            QVERIFY2(r.err.contains("--data"), r.err.constData());
        QVERIFY2(!QFileInfo::exists(missing), "a listing created the data directory");
    }
};

QTEST_GUILESS_MAIN(TestCliMarket)
#include "tst_cli_market.moc"
