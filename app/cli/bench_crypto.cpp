#include "cli.h"

#include "core/crypto/hash.h"
#include "core/crypto/keys.h"

#include <QElapsedTimer>
#include <QThreadPool>

#include <atomic>
#include <functional>

namespace mg::cli {

namespace {

constexpr qint64 RunMs = 1000;

// Runs `step` in growing batches until about RunMs have passed; returns steps per second.
// Batches keep the timer out of the inner loop for fast operations.
double measure(const std::function<void()> &step)
{
    QElapsedTimer timer;
    timer.start();
    qint64 done = 0;
    qint64 batch = 1;
    qint64 elapsedNs = 0;
    while ((elapsedNs = timer.nsecsElapsed()) < RunMs * 1'000'000) {
        for (qint64 i = 0; i < batch; ++i)
            step();
        done += batch;
        if (timer.nsecsElapsed() < 50'000'000) // aim for ~50 ms batches
            batch *= 2;
    }
    return double(done) * 1e9 / double(qMax<qint64>(1, elapsedNs));
}

QString row(const QString &label, double value, int decimals = 0)
{
    return label.leftJustified(18, u' ') + QString::number(value, 'f', decimals);
}

} // namespace

int benchCrypto(bool json)
{
    using namespace mg::crypto;

    const KeyPair kp = KeyPair::generate();
    const QByteArray pub = kp.publicKey();
    // Roughly the size of a signed order or ack in the ledger.
    const QByteArray msg = randomBytes(200);
    const QByteArray sig = kp.sign(msg);

    volatile bool sink = false; // keeps results observable so loops are not optimised away

    const double signPerS = measure([&] { sink = kp.sign(msg).size() == SignatureSize; });
    const double verifyPerS = measure([&] { sink = verifySignature(pub, msg, sig); });

    SignatureCache &cache = SignatureCache::instance();
    cache.clear();
    cache.verify(pub, msg, sig); // prime: every timed call below is a hit
    const double cachedPerS = measure([&] { sink = cache.verify(pub, msg, sig); });
    cache.clear();

    const QByteArray mib = randomBytes(1 << 20);
    // One MiB per step, so steps/s is MiB/s (reported as MB/s).
    const double shaMbPerS = measure([&] { sink = !sha256(mib).isNull(); });

    // Sign+verify on all cores: each worker has its own key and runs for RunMs.
    QThreadPool pool;
    const int cores = qMax(1, QThread::idealThreadCount());
    pool.setMaxThreadCount(cores);
    std::atomic<qint64> total{0};
    QElapsedTimer wall;
    wall.start();
    for (int t = 0; t < cores; ++t) {
        pool.start([&total] {
            const KeyPair key = KeyPair::generate();
            const QByteArray m = randomBytes(200);
            qint64 n = 0;
            bool good = true;
            QElapsedTimer timer;
            timer.start();
            while (timer.elapsed() < RunMs) {
                for (int i = 0; i < 16; ++i)
                    good &= verifySignature(key.publicKey(), m, key.sign(m));
                n += 16;
            }
            if (good)
                total += n;
        });
    }
    pool.waitForDone();
    const double allCoresPerS = double(total.load()) * 1e9 / double(qMax<qint64>(1, wall.nsecsElapsed()));
    Q_UNUSED(sink);

    if (json) {
        printJson(QJsonObject{
            {QStringLiteral("sign_per_s"), qRound64(signPerS)},
            {QStringLiteral("verify_per_s"), qRound64(verifyPerS)},
            {QStringLiteral("cached_verify_per_s"), qRound64(cachedPerS)},
            {QStringLiteral("sha256_mb_per_s"), qRound64(shaMbPerS * 10) / 10.0},
            {QStringLiteral("sign_verify_per_s_all_cores"), qRound64(allCoresPerS)},
            {QStringLiteral("cores"), cores},
        });
        return ExitOk;
    }
    out() << row(QStringLiteral("sign/s"), signPerS) << '\n'
          << row(QStringLiteral("verify/s"), verifyPerS) << '\n'
          << row(QStringLiteral("cached verify/s"), cachedPerS) << '\n'
          << row(QStringLiteral("sha256 MB/s"), shaMbPerS, 1) << '\n'
          << row(QStringLiteral("sign+verify/s all"), allCoresPerS) << '\n'
          << row(QStringLiteral("cores"), cores) << Qt::endl;
    return ExitOk;
}

} // namespace mg::cli
