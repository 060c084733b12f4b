#include "cli.h"

#include "core/crypto/keys.h"
#include "core/ledger/block.h"
#include "core/ledger/payloads.h"
#include "core/store/store.h"

#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QThread>
#include <QThreadPool>

#include <atomic>
#include <vector>

namespace mg::cli {

namespace {

constexpr int NodeCount = 50;
constexpr int TxPerBlock = 100;
constexpr qint64 AppendMs = 2000;   // timed appending, about
constexpr qint64 ValidateMs = 3000; // validation stops (cancel flag) after about this
constexpr int RoundBlocks = 250;    // blocks built per round, outside the timer
constexpr int MaxBlocks = 8000;     // signing cost bounds the run on slow machines

struct Roster
{
    QList<ledger::NodeId> ids;
    QList<crypto::KeyPair> keys;
};

// Builds `count` chained blocks after (height, prevHash): real signed Order transactions, a
// biller signature and two acks. Transactions are signed on all cores (signing is not what is
// measured); headers are linked in order since each needs the previous hash.
QList<ledger::Block> buildBlocks(const Roster &roster, quint64 height, crypto::Hash256 prevHash, int count,
                                 QThreadPool &pool)
{
    constexpr qint64 StartMs = 1'700'000'000'000;
    std::vector<ledger::Block> blocks(static_cast<size_t>(count));
    for (int b = 0; b < count; ++b) {
        pool.start([&roster, &blocks, b, h = height + quint64(b)] {
            ledger::Block &block = blocks[size_t(b)];
            const qint64 ts = StartMs + qint64(h) * 1000;
            block.txs.reserve(TxPerBlock);
            for (int t = 0; t < TxPerBlock; ++t) {
                const int sender = int((h * 31 + quint64(t)) % NodeCount);
                ledger::OrderPayload p;
                p.side = t % 2 ? ledger::Side::Sell : ledger::Side::Buy;
                p.energyWh = 500 + t * 10;
                p.priceMilliPerKwh = 110000 + t * 100;
                p.renewableOnly = p.side == ledger::Side::Buy && t % 5 == 0;
                p.deliverySlot = ts / (15 * 60 * 1000) + 1;
                p.expiresAtMs = ts + 15 * 60 * 1000;
                ledger::Transaction tx;
                tx.kind = ledger::TxKind::Order;
                tx.chainId = 1;
                tx.sender = roster.ids[sender];
                tx.timestampMs = ts - TxPerBlock + t;
                tx.nonce = (h << 16) | quint64(t);
                tx.payload = p.encode();
                tx.sign(roster.keys[sender]);
                block.txs.append(std::move(tx));
            }
            block.header.chainId = 1;
            block.header.timestampMs = ts;
            block.header.billerId = roster.ids[int(h % NodeCount)];
            block.seal();
        });
    }
    pool.waitForDone();
    QList<ledger::Block> list;
    list.reserve(count);
    for (int b = 0; b < count; ++b) {
        ledger::Block &block = blocks[size_t(b)];
        const quint64 h = height + quint64(b);
        block.header.height = h;
        block.header.prevHash = prevHash;
        const int biller = int(h % NodeCount);
        block.header.signAsBiller(roster.keys[biller]);
        for (int k = 1; k <= 2; ++k) {
            const int member = (biller + k) % NodeCount;
            block.header.acks.append(block.header.makeAck(roster.ids[member], roster.keys[member]));
        }
        prevHash = block.header.hash();
        list.append(std::move(block));
    }
    return list;
}

} // namespace

int benchStore(bool json)
{
    const QString command = QStringLiteral("bench");
    QTemporaryDir tmp;
    if (!tmp.isValid())
        return usageError(command, QStringLiteral("cannot create a temporary directory: %1").arg(tmp.errorString()));
    auto opened = store::Store::open(tmp.path());
    if (!opened)
        return usageError(command, opened.error().toString());
    store::Store &store = *opened.value();

    Roster roster;
    QList<store::NodeRecord> records;
    for (int i = 0; i < NodeCount; ++i) {
        roster.ids.append(QStringLiteral("node-%1").arg(i, 2, 10, QLatin1Char('0')));
        roster.keys.append(crypto::KeyPair::generate());
        records.append(store::NodeRecord{roster.ids[i], roster.ids[i], roster.keys[i].publicKey(),
                                         QStringLiteral("generator,consumer"), QStringLiteral("active"), 1, {}});
    }
    if (Status st = store.putNodes(records); !st)
        return usageError(command, st.error().toString());

    QThreadPool pool;
    pool.setMaxThreadCount(qMax(1, QThread::idealThreadCount()));

    // Append one block per SQL transaction (as the engine does when a block is final), in
    // rounds built ahead of the timer, until about AppendMs of appending has been measured.
    qint64 appendNs = 0;
    int appended = 0;
    crypto::Hash256 prevHash;
    while (appendNs < AppendMs * 1'000'000 && appended < MaxBlocks) {
        const QList<ledger::Block> blocks = buildBlocks(roster, quint64(appended), prevHash, RoundBlocks, pool);
        QElapsedTimer timer;
        timer.start();
        for (const ledger::Block &b : blocks) {
            if (Status st = store.appendBlock(b); !st)
                return usageError(command, st.error().toString());
        }
        appendNs += timer.nsecsElapsed();
        appended += int(blocks.size());
        prevHash = blocks.last().header.hash();
    }
    const double appendS = double(appendNs) / 1e9;
    const double blocksPerS = appended / appendS;

    // Cold signature cache, as after a restart: every signature is really verified.
    crypto::SignatureCache::instance().clear();
    std::atomic_bool stop{false};
    QElapsedTimer vtimer;
    vtimer.start();
    const auto report = store.validate([&](quint64, quint64) {
        if (vtimer.elapsed() > ValidateMs)
            stop = true; // a rate needs no full pass over a large store
    }, &stop);
    const double validateS = double(vtimer.nsecsElapsed()) / 1e9;
    if (!report.findings.isEmpty())
        return usageError(command, QStringLiteral("validation failed: %1").arg(report.findings.first().toString()));
    const double validatePerS = double(report.blocksChecked) / validateS;
    crypto::SignatureCache::instance().clear();

    if (json) {
        printJson(QJsonObject{
            {QStringLiteral("blocks_per_s"), qRound64(blocksPerS)},
            {QStringLiteral("tx_per_s"), qRound64(blocksPerS * TxPerBlock)},
            {QStringLiteral("validate_blocks_per_s"), qRound64(validatePerS)},
            {QStringLiteral("txs_per_block"), TxPerBlock},
            {QStringLiteral("blocks_appended"), appended},
            {QStringLiteral("blocks_validated"), qint64(report.blocksChecked)},
            {QStringLiteral("cores"), pool.maxThreadCount()},
        });
        return ExitOk;
    }
    out() << "append:   " << appended << " blocks of " << TxPerBlock << " signed orders in "
          << QString::number(appendS, 'f', 2) << " s, one SQL transaction per block\n"
          << "          " << qRound64(blocksPerS) << " blocks/s, " << qRound64(blocksPerS * TxPerBlock) << " tx/s\n"
          << "validate: " << report.blocksChecked << " blocks in " << QString::number(validateS, 'f', 2) << " s on "
          << pool.maxThreadCount() << " thread(s), cold signature cache\n"
          << "          " << qRound64(validatePerS) << " blocks/s" << Qt::endl;
    return ExitOk;
}

} // namespace mg::cli
