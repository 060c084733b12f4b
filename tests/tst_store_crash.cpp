// A writer killed with SIGKILL at random moments loses no block it reported as committed, and
// the file it leaves behind re-validates intact. The writer is this same binary re-executed with
// --child-writer (see main() below), so the test needs no helper executable.

#include "store_fixture.h"

#include "core/store/store.h"

#include <QCoreApplication>
#include <QProcess>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QtTest>

#include <cstdio>

using namespace mg;
using mg::store::Store;

namespace {

constexpr ledger::ChainId Chain = 1;
constexpr int TxPerBlock = 4;
// Blocks signed ahead: signing costs several times what storing does, so the child signs a
// large pool first and then only appends; the parent kills it during that append phase.
constexpr int BuildAhead = 500;

// The child: appends blocks forever (until killed), printing each height once its SQL
// transaction has committed. Sometimes several blocks go in one appendBlocks() call.
int runWriter(const QString &dir)
{
    auto opened = Store::open(dir);
    if (!opened) {
        std::fprintf(stderr, "writer: %s\n", qPrintable(opened.errorString()));
        return 3;
    }
    Store &store = *opened.value();
    const test::Roster roster(10);
    if (Status st = store.putNodes(roster.records()); !st) {
        std::fprintf(stderr, "writer: %s\n", qPrintable(st.errorString()));
        return 3;
    }
    std::optional<ledger::BlockHeader> tip;
    if (auto h = store.tipHeight(Chain)) {
        auto b = store.block(Chain, *h);
        if (!b) {
            std::fprintf(stderr, "writer: %s\n", qPrintable(b.errorString()));
            return 3;
        }
        tip = b->header;
    }
    QRandomGenerator rng(quint32(QCoreApplication::applicationPid()));
    for (;;) {
        const QList<ledger::Block> blocks =
            roster.chain(Chain, BuildAhead, TxPerBlock, 1'700'000'000'000, tip ? &*tip : nullptr);
        for (qsizetype i = 0; i < blocks.size();) {
            const qsizetype n = std::min<qsizetype>(blocks.size() - i, rng.bounded(1, 9));
            if (Status st = store.appendBlocks(blocks.mid(i, n)); !st) {
                std::fprintf(stderr, "writer: %s\n", qPrintable(st.errorString()));
                return 3;
            }
            for (qsizetype k = i; k < i + n; ++k)
                std::printf("%llu\n", static_cast<unsigned long long>(blocks[k].header.height));
            std::fflush(stdout);
            i += n;
        }
        tip = blocks.last().header;
    }
}

} // namespace

class TestStoreCrash : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void killedWriterLosesNothing();
};

void TestStoreCrash::killedWriterLosesNothing()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString dir = tmp.filePath(QStringLiteral("data"));
    QRandomGenerator rng(QRandomGenerator::global()->generate());
    quint64 maxReported = 0;
    bool anyReported = false;

    for (int round = 0; round < 5; ++round) {
        QProcess child;
        child.setProcessChannelMode(QProcess::SeparateChannels);
        child.start(QCoreApplication::applicationFilePath(), {QStringLiteral("--child-writer"), dir});
        QVERIFY2(child.waitForStarted(10000), qPrintable(child.errorString()));

        // Wait until the child has committed something (its append phase has begun), then a
        // random delay: the kill lands anywhere in a transaction, a commit or a checkpoint.
        QByteArray output;
        QElapsedTimer timer;
        timer.start();
        while (!output.contains('\n') && timer.elapsed() < 20000) {
            if (child.state() != QProcess::Running)
                break;
            child.waitForReadyRead(100);
            output += child.readAllStandardOutput();
        }
        QVERIFY2(child.state() == QProcess::Running,
                 qPrintable(QStringLiteral("writer died: ") + QString::fromLocal8Bit(child.readAllStandardError())));
        QThread::usleep(rng.bounded(0, 25000));
        child.kill(); // SIGKILL: no destructors, no rollback, no checkpoint
        QVERIFY(child.waitForFinished(10000));
        QCOMPARE(child.exitStatus(), QProcess::CrashExit);
        output += child.readAllStandardOutput();

        // Only complete lines: a line is printed after its commit, so each names a durable block.
        QList<quint64> reported;
        const QList<QByteArray> lines = output.left(output.lastIndexOf('\n') + 1).split('\n');
        for (const QByteArray &line : lines) {
            if (line.isEmpty())
                continue;
            bool ok = false;
            reported.append(line.toULongLong(&ok));
            QVERIFY2(ok, line.constData());
        }
        QVERIFY(!reported.isEmpty());

        auto opened = Store::open(dir);
        QVERIFY2(opened.ok(), qPrintable(opened.errorString()));
        Store &store = *opened.value();
        const auto tipHeight = store.tipHeight(Chain);
        QVERIFY(tipHeight);
        for (quint64 h : reported) {
            QVERIFY2(h <= *tipHeight, qPrintable(QStringLiteral("reported %1, tip %2").arg(h).arg(*tipHeight)));
            auto b = store.block(Chain, h);
            QVERIFY2(b.ok(), qPrintable(b.errorString()));
            QCOMPARE(b->txs.size(), TxPerBlock + (h % 3 == 0 ? 1 : 0));
            QVERIFY(store.transactionRef(b->txs.last().id()).ok());
        }
        if (anyReported)
            QVERIFY(*tipHeight >= maxReported); // earlier rounds' blocks are still there too
        maxReported = std::max(maxReported, reported.last());
        anyReported = true;

        const auto report = store.validate();
        QVERIFY2(report.findings.isEmpty(), qPrintable(report.findings.value(0).toString()));
        QCOMPARE(report.blocksChecked, *tipHeight + 1);
        qInfo("round %d: %lld heights reported (last %llu), tip %llu after the kill", round,
              static_cast<long long>(reported.size()), static_cast<unsigned long long>(reported.last()),
              static_cast<unsigned long long>(*tipHeight));
    }
}

int main(int argc, char **argv)
{
    if (argc >= 3 && qstrcmp(argv[1], "--child-writer") == 0) {
        QCoreApplication app(argc, argv);
        return runWriter(QString::fromLocal8Bit(argv[2]));
    }
    QCoreApplication app(argc, argv);
    TestStoreCrash test;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&test, argc, argv);
}

#include "tst_store_crash.moc"
