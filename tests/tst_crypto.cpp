#include "core/crypto/hash.h"
#include "core/crypto/keys.h"

#include <QTest>

#include <atomic>
#include <thread>
#include <vector>

using namespace mg::crypto;

namespace {

QByteArray hex(const char *h) { return QByteArray::fromHex(h); }

QByteArray flipBit(QByteArray b, int index, int bit = 0)
{
    b[index] = char(b[index] ^ (1 << bit));
    return b;
}

} // namespace

class tst_Crypto : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void sha256Vectors_data();
    void sha256Vectors();
    void sha256Parts();

    void signVerifyRoundTrip();
    void verifyRejects_data();
    void verifyRejects();
    void fromPrivateKeyDeterministic();
    void fromPrivateKeyBadSize();
    void rfc8032Vectors_data();
    void rfc8032Vectors();

    void cacheHit();
    void cacheNeverStoresFailures();
    void cacheCapacity();
    void cacheConcurrent();

    void constantTimeEquals_data();
    void constantTimeEquals();
    void randomBytesSizes();

    void hashHexRoundTrip();
    void hashBadHex_data();
    void hashBadHex();
    void hashFromBytes();
};

void tst_Crypto::sha256Vectors_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QString>("digest");
    QTest::newRow("empty") << QByteArray()
                           << QStringLiteral("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    QTest::newRow("abc") << QByteArray("abc")
                         << QStringLiteral("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    QTest::newRow("two blocks") << QByteArray("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                                << QStringLiteral("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

void tst_Crypto::sha256Vectors()
{
    QFETCH(QByteArray, input);
    QFETCH(QString, digest);
    QCOMPARE(sha256(input).toHex(), digest);
    QCOMPARE(sha256({QByteArrayView(input)}).toHex(), digest);
}

void tst_Crypto::sha256Parts()
{
    QCOMPARE(sha256({"a", "", "bc"}), sha256("abc"));
    QCOMPARE(sha256({}), sha256(QByteArrayView()));
}

void tst_Crypto::signVerifyRoundTrip()
{
    const KeyPair kp = KeyPair::generate();
    QVERIFY(!kp.isNull());
    QCOMPARE(kp.publicKey().size(), PublicKeySize);
    QCOMPARE(kp.privateKey().size(), PrivateKeySize);
    for (const QByteArray &msg : {QByteArray(), QByteArray("order #1: 5 kWh @ 120"), QByteArray(10000, 'x')}) {
        const QByteArray sig = kp.sign(msg);
        QCOMPARE(sig.size(), SignatureSize);
        QVERIFY(verifySignature(kp.publicKey(), msg, sig));
        QCOMPARE(kp.sign(msg), sig); // Ed25519 is deterministic
    }
    QVERIFY(KeyPair().isNull());
    QVERIFY(KeyPair::generate().publicKey() != kp.publicKey());
}

void tst_Crypto::verifyRejects_data()
{
    QTest::addColumn<QByteArray>("publicKey");
    QTest::addColumn<QByteArray>("message");
    QTest::addColumn<QByteArray>("signature");

    const KeyPair kp = KeyPair::fromPrivateKey(QByteArray(32, '\x11')).value();
    const KeyPair other = KeyPair::fromPrivateKey(QByteArray(32, '\x22')).value();
    const QByteArray msg("transfer 42 to bob");
    const QByteArray sig = kp.sign(msg);
    QVERIFY(verifySignature(kp.publicKey(), msg, sig));

    QTest::newRow("wrong key") << other.publicKey() << msg << sig;
    QTest::newRow("message bit 0") << kp.publicKey() << flipBit(msg, 0) << sig;
    QTest::newRow("message last bit") << kp.publicKey() << flipBit(msg, msg.size() - 1, 7) << sig;
    QTest::newRow("message extended") << kp.publicKey() << QByteArray(msg + '\0') << sig;
    QTest::newRow("signature R bit") << kp.publicKey() << msg << flipBit(sig, 0);
    QTest::newRow("signature S bit") << kp.publicKey() << msg << flipBit(sig, 40, 3);
    QTest::newRow("signature truncated") << kp.publicKey() << msg << sig.left(63);
    QTest::newRow("signature extended") << kp.publicKey() << msg << QByteArray(sig + 'x');
    QTest::newRow("signature empty") << kp.publicKey() << msg << QByteArray();
    QTest::newRow("signature zero") << kp.publicKey() << msg << QByteArray(64, '\0');
    QTest::newRow("key truncated") << kp.publicKey().left(31) << msg << sig;
    QTest::newRow("key extended") << QByteArray(kp.publicKey() + 'x') << msg << sig;
    QTest::newRow("key empty") << QByteArray() << msg << sig;
    QTest::newRow("key all ones") << QByteArray(32, '\xff') << msg << sig;
    QTest::newRow("key is private") << kp.privateKey() << msg << sig;
}

void tst_Crypto::verifyRejects()
{
    QFETCH(QByteArray, publicKey);
    QFETCH(QByteArray, message);
    QFETCH(QByteArray, signature);
    QVERIFY(!verifySignature(publicKey, message, signature));
    QVERIFY(!verifyCached(publicKey, message, signature));
}

void tst_Crypto::fromPrivateKeyDeterministic()
{
    const QByteArray seed = randomBytes(32);
    const KeyPair a = KeyPair::fromPrivateKey(seed).value();
    const KeyPair b = KeyPair::fromPrivateKey(seed).value();
    QCOMPARE(a.publicKey(), b.publicKey());
    QCOMPARE(a.privateKey(), seed);
    QCOMPARE(a.sign("m"), b.sign("m"));
    const KeyPair copy = a; // shares the key object
    QCOMPARE(copy.publicKey(), a.publicKey());
    QVERIFY(verifySignature(a.publicKey(), "m", copy.sign("m")));
}

void tst_Crypto::fromPrivateKeyBadSize()
{
    for (int n : {0, 31, 33, 64}) {
        const auto r = KeyPair::fromPrivateKey(QByteArray(n, '\x01'));
        QVERIFY2(!r.ok(), qPrintable(QString::number(n)));
        QCOMPARE(r.error().code, QStringLiteral("crypto.key"));
    }
}

void tst_Crypto::rfc8032Vectors_data()
{
    QTest::addColumn<QByteArray>("secret");
    QTest::addColumn<QByteArray>("publicKey");
    QTest::addColumn<QByteArray>("message");
    QTest::addColumn<QByteArray>("signature");
    // RFC 8032 section 7.1, TEST 1 and TEST 2.
    QTest::newRow("test 1")
        << hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
        << hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a") << QByteArray()
        << hex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46b"
               "d25bf5f0595bbe24655141438e7a100b");
    QTest::newRow("test 2")
        << hex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb")
        << hex("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c") << hex("72")
        << hex("92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c"
               "387b2eaeb4302aeeb00d291612bb0c00");
}

void tst_Crypto::rfc8032Vectors()
{
    QFETCH(QByteArray, secret);
    QFETCH(QByteArray, publicKey);
    QFETCH(QByteArray, message);
    QFETCH(QByteArray, signature);
    const KeyPair kp = KeyPair::fromPrivateKey(secret).value();
    QCOMPARE(kp.publicKey().toHex(), publicKey.toHex());
    QCOMPARE(kp.sign(message).toHex(), signature.toHex());
    QVERIFY(verifySignature(publicKey, message, signature));
}

void tst_Crypto::cacheHit()
{
    SignatureCache &cache = SignatureCache::instance();
    cache.clear();
    const KeyPair kp = KeyPair::generate();
    const QByteArray msg("block 7 ack");
    const QByteArray sig = kp.sign(msg);

    QVERIFY(cache.verify(kp.publicKey(), msg, sig));
    auto s = cache.stats();
    QCOMPARE(s.hits, 0u);
    QCOMPARE(s.misses, 1u);
    QCOMPARE(s.size, 1u);

    QVERIFY(cache.verify(kp.publicKey(), msg, sig));
    s = cache.stats();
    QCOMPARE(s.hits, 1u);
    QCOMPARE(s.misses, 1u);
    QCOMPARE(s.size, 1u);

    // Same key and signature over another message is a different entry (and invalid).
    QVERIFY(!cache.verify(kp.publicKey(), QByteArray(msg + '!'), sig));
    QCOMPARE(cache.stats().hits, 1u);

    cache.clear();
    s = cache.stats();
    QCOMPARE(s.size, 0u);
    QCOMPARE(s.hits, 0u);
}

void tst_Crypto::cacheNeverStoresFailures()
{
    SignatureCache &cache = SignatureCache::instance();
    cache.clear();
    const KeyPair kp = KeyPair::generate();
    const QByteArray msg("meter reading 12.5 kWh");
    const QByteArray bad = flipBit(kp.sign(msg), 5);
    for (int i = 0; i < 3; ++i)
        QVERIFY(!cache.verify(kp.publicKey(), msg, bad));
    const auto s = cache.stats();
    QCOMPARE(s.size, 0u);
    QCOMPARE(s.hits, 0u);
    QCOMPARE(s.misses, 3u);
    // A valid signature after failures is still accepted.
    QVERIFY(cache.verify(kp.publicKey(), msg, kp.sign(msg)));
    QCOMPARE(cache.stats().size, 1u);
    cache.clear();
}

void tst_Crypto::cacheCapacity()
{
    SignatureCache &cache = SignatureCache::instance();
    cache.clear();
    cache.setCapacity(16);
    const KeyPair kp = KeyPair::generate();
    for (int i = 0; i < 100; ++i) {
        const QByteArray msg = QByteArray::number(i);
        QVERIFY(cache.verify(kp.publicKey(), msg, kp.sign(msg)));
        QVERIFY(cache.stats().size <= 16u);
    }
    QVERIFY(cache.stats().size > 0u);
    // Evicted or not, every signature still verifies.
    for (int i = 0; i < 100; ++i) {
        const QByteArray msg = QByteArray::number(i);
        QVERIFY(cache.verify(kp.publicKey(), msg, kp.sign(msg)));
    }
    cache.setCapacity(4);
    QVERIFY(cache.stats().size <= 4u);
    cache.setCapacity(200'000);
    cache.clear();
}

void tst_Crypto::cacheConcurrent()
{
    SignatureCache &cache = SignatureCache::instance();
    cache.clear();
    struct Item { QByteArray key, msg, sig; bool valid; };
    std::vector<Item> items;
    const KeyPair kp = KeyPair::generate();
    for (int i = 0; i < 64; ++i) {
        const QByteArray msg = "tx " + QByteArray::number(i);
        QByteArray sig = kp.sign(msg);
        const bool valid = i % 4 != 0;
        if (!valid)
            sig = flipBit(sig, i % 64);
        items.push_back({kp.publicKey(), msg, sig, valid});
    }

    constexpr int Threads = 6, Rounds = 5;
    std::atomic<int> wrong{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < Threads; ++t) {
        threads.emplace_back([&, t] {
            for (int round = 0; round < Rounds; ++round) {
                for (size_t i = 0; i < items.size(); ++i) {
                    // Different starting points so threads race on the same entries.
                    const Item &it = items[(i + size_t(t) * 7) % items.size()];
                    // Signing concurrently with one shared key must be safe too.
                    if (round == 0 && kp.sign(it.msg).size() != SignatureSize)
                        ++wrong;
                    if (cache.verify(it.key, it.msg, it.sig) != it.valid)
                        ++wrong;
                }
            }
        });
    }
    for (auto &th : threads)
        th.join();
    QCOMPARE(wrong.load(), 0);
    const auto s = cache.stats();
    QCOMPARE(s.size, 48u); // the valid ones only
    QCOMPARE(s.hits + s.misses, quint64(Threads * Rounds * items.size()));
    QVERIFY(s.hits > 0u);
    cache.clear();
}

void tst_Crypto::constantTimeEquals_data()
{
    QTest::addColumn<QByteArray>("a");
    QTest::addColumn<QByteArray>("b");
    QTest::addColumn<bool>("equal");
    QTest::newRow("both empty") << QByteArray() << QByteArray() << true;
    QTest::newRow("same") << QByteArray("secret") << QByteArray("secret") << true;
    QTest::newRow("last differs") << QByteArray("secret") << QByteArray("secreT") << false;
    QTest::newRow("first differs") << QByteArray("secret") << QByteArray("Secret") << false;
    QTest::newRow("prefix") << QByteArray("secret") << QByteArray("secre") << false;
    QTest::newRow("empty vs one") << QByteArray() << QByteArray(1, '\0') << false;
    QTest::newRow("zeros") << QByteArray(32, '\0') << QByteArray(32, '\0') << true;
}

void tst_Crypto::constantTimeEquals()
{
    QFETCH(QByteArray, a);
    QFETCH(QByteArray, b);
    QFETCH(bool, equal);
    QCOMPARE(mg::crypto::constantTimeEquals(a, b), equal);
    QCOMPARE(mg::crypto::constantTimeEquals(b, a), equal);
}

void tst_Crypto::randomBytesSizes()
{
    QCOMPARE(randomBytes(0).size(), 0);
    QCOMPARE(randomBytes(-1).size(), 0);
    QCOMPARE(randomBytes(33).size(), 33);
    QVERIFY(randomBytes(32) != randomBytes(32));
}

void tst_Crypto::hashHexRoundTrip()
{
    const Hash256 h = sha256("round trip");
    QVERIFY(!h.isNull());
    bool ok = false;
    QCOMPARE(Hash256::fromHex(h.toHex(), &ok), h);
    QVERIFY(ok);
    QCOMPARE(Hash256::fromHex(h.toHex().toUpper(), &ok), h);
    QVERIFY(ok);
    QCOMPARE(h.shortHex(), h.toHex().left(12));
    QVERIFY(Hash256().isNull());
    QVERIFY(Hash256::fromHex(QString(64, u'0'), &ok).isNull());
    QVERIFY(ok);
}

void tst_Crypto::hashBadHex_data()
{
    QTest::addColumn<QString>("text");
    const QString good = sha256("x").toHex();
    QTest::newRow("empty") << QString();
    QTest::newRow("short") << good.left(63);
    QTest::newRow("long") << QString(good + u'0');
    QTest::newRow("non-hex char") << QString(good).replace(10, 1, u'g');
    QTest::newRow("space") << QString(good).replace(0, 1, u' ');
    QTest::newRow("0x prefix") << QString(QStringLiteral("0x") + good.left(62));
    QTest::newRow("non-latin") << QString(good).replace(63, 1, QChar(0x0660));
}

void tst_Crypto::hashBadHex()
{
    QFETCH(QString, text);
    bool ok = true;
    QVERIFY(Hash256::fromHex(text, &ok).isNull());
    QVERIFY(!ok);
}

void tst_Crypto::hashFromBytes()
{
    bool ok = false;
    const Hash256 h = sha256("bytes");
    QCOMPARE(Hash256::fromBytes(h.toByteArray(), &ok), h);
    QVERIFY(ok);
    QVERIFY(Hash256::fromBytes(h.toByteArray().left(31), &ok).isNull());
    QVERIFY(!ok);
    QVERIFY(Hash256::fromBytes(QByteArray(h.toByteArray() + 'x'), &ok).isNull());
    QVERIFY(!ok);
}

QTEST_GUILESS_MAIN(tst_Crypto)
#include "tst_crypto.moc"
