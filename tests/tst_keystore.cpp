#include "core/crypto/keys.h"
#include "core/crypto/keystore.h"

#include <QTest>
#include <QtEndian>

using namespace mg::crypto;

namespace {

// Cheap cost so the many decryptions below stay fast.
const ScryptParams Fast{10, 8, 1};
const QString Password = QStringLiteral("correct horse 电池 staple");

// Blob offsets, as documented in keystore.h.
enum Offset { MagicAt = 0, VersionAt = 4, Log2NAt = 5, RAt = 6, PAt = 10, SaltAt = 14, NonceAt = 30,
              TagAt = 42, CipherAt = 58 };

QByteArray withByte(QByteArray blob, int index, char value)
{
    blob[index] = value;
    return blob;
}

QByteArray withU32(QByteArray blob, int index, quint32 value)
{
    qToBigEndian<quint32>(value, blob.data() + index);
    return blob;
}

QByteArray xorByte(QByteArray blob, int index)
{
    blob[index] = char(blob[index] ^ 0x01);
    return blob;
}

} // namespace

class tst_Keystore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void roundTrip_data();
    void roundTrip();
    void layout();
    void wrongPassword();
    void corruptedHeader_data();
    void corruptedHeader();
    void truncatedAtEveryLength();
    void tamperedCiphertext();
    void hostileParams_data();
    void hostileParams();

    void passwordHash();
    void verifyPassword_data();
    void verifyPassword();

private:
    QByteArray m_secret;
    QByteArray m_blob;
};

void tst_Keystore::initTestCase()
{
    m_secret = KeyPair::generate().privateKey();
    m_blob = encryptSecret(m_secret, Password, Fast);
    QCOMPARE(m_blob.size(), CipherAt + m_secret.size());
}

void tst_Keystore::roundTrip_data()
{
    QTest::addColumn<QByteArray>("secret");
    QTest::addColumn<QString>("password");
    QTest::newRow("key") << KeyPair::generate().privateKey() << Password;
    QTest::newRow("empty secret") << QByteArray() << Password;
    QTest::newRow("empty password") << QByteArray("s3cr3t") << QString();
    QTest::newRow("long secret") << QByteArray(5000, 'k') << QStringLiteral("p");
}

void tst_Keystore::roundTrip()
{
    QFETCH(QByteArray, secret);
    QFETCH(QString, password);
    const QByteArray blob = encryptSecret(secret, password, Fast);
    QCOMPARE(blob.size(), CipherAt + secret.size());
    const auto r = decryptSecret(blob, password);
    QVERIFY2(r.ok(), qPrintable(r.errorString()));
    QCOMPARE(r.value(), secret);
    // Fresh salt and nonce each time.
    QVERIFY(encryptSecret(secret, password, Fast) != blob);
}

void tst_Keystore::layout()
{
    QCOMPARE(m_blob.left(4), QByteArray("MGKS"));
    QCOMPARE(quint8(m_blob[VersionAt]), quint8(1));
    QCOMPARE(quint8(m_blob[Log2NAt]), Fast.log2N);
    QCOMPARE(qFromBigEndian<quint32>(m_blob.constData() + RAt), Fast.r);
    QCOMPARE(qFromBigEndian<quint32>(m_blob.constData() + PAt), Fast.p);
    QVERIFY(!m_blob.contains(m_secret));
}

void tst_Keystore::wrongPassword()
{
    for (const QString &pw : {QString(), QStringLiteral("correct horse battery staple"), QString(Password + u' ')}) {
        const auto r = decryptSecret(m_blob, pw);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, QStringLiteral("keystore.password"));
        QCOMPARE(r.error().message, QStringLiteral("wrong password or damaged key file"));
    }
}

void tst_Keystore::corruptedHeader_data()
{
    QTest::addColumn<QByteArray>("blob");
    QTest::addColumn<QString>("code");
    const QString format = QStringLiteral("keystore.format");
    const QString params = QStringLiteral("keystore.params");
    const QString password = QStringLiteral("keystore.password");
    for (int i = MagicAt; i < VersionAt; ++i)
        QTest::addRow("magic byte %d", i) << xorByte(m_blob, i) << format;
    QTest::newRow("version 0") << withByte(m_blob, VersionAt, 0) << format;
    QTest::newRow("version 2") << withByte(m_blob, VersionAt, 2) << format;
    QTest::newRow("version 255") << withByte(m_blob, VersionAt, char(255)) << format;
    // In-range cost changes are caught by the AAD (and give a different key anyway).
    QTest::newRow("log2N 11") << withByte(m_blob, Log2NAt, 11) << password;
    QTest::newRow("log2N 9") << withByte(m_blob, Log2NAt, 9) << params;
    QTest::newRow("log2N 21") << withByte(m_blob, Log2NAt, 21) << params;
    QTest::newRow("r 7") << withU32(m_blob, RAt, 7) << password;
    QTest::newRow("r 0") << withU32(m_blob, RAt, 0) << params;
    QTest::newRow("r 33") << withU32(m_blob, RAt, 33) << params;
    QTest::newRow("r high byte") << withByte(m_blob, RAt, 1) << params;
    QTest::newRow("p 2") << withU32(m_blob, PAt, 2) << password;
    QTest::newRow("p 0") << withU32(m_blob, PAt, 0) << params;
    QTest::newRow("p 17") << withU32(m_blob, PAt, 17) << params;
    for (int i = SaltAt; i < CipherAt; i += 5) {
        const char *field = i < NonceAt ? "salt" : i < TagAt ? "nonce" : "tag";
        QTest::addRow("%s byte %d", field, i) << xorByte(m_blob, i) << password;
    }
    QTest::newRow("tag last byte") << xorByte(m_blob, CipherAt - 1) << password;
}

void tst_Keystore::corruptedHeader()
{
    QFETCH(QByteArray, blob);
    QFETCH(QString, code);
    const auto r = decryptSecret(blob, Password);
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code, code);
    QVERIFY(!r.error().message.isEmpty());
}

void tst_Keystore::truncatedAtEveryLength()
{
    for (int len = 0; len < m_blob.size(); ++len) {
        const auto r = decryptSecret(m_blob.left(len), Password);
        QVERIFY2(!r.ok(), qPrintable(QString::number(len)));
        const QString expected = len < CipherAt ? QStringLiteral("keystore.format") : QStringLiteral("keystore.password");
        QVERIFY2(r.error().code == expected, qPrintable(QStringLiteral("len %1: %2").arg(len).arg(r.errorString())));
    }
    // Messages name what was wrong.
    QVERIFY(decryptSecret(QByteArray("MG"), Password).error().message.contains(u"truncated"));
    QVERIFY(decryptSecret(QByteArray("XXXXXXXX"), Password).error().message.contains(u"magic"));
    QVERIFY(decryptSecret(m_blob.left(20), Password).error().message.contains(u"truncated"));
    QVERIFY(decryptSecret(withByte(m_blob, VersionAt, 9), Password).error().message.contains(u"version"));
}

void tst_Keystore::tamperedCiphertext()
{
    for (int i = CipherAt; i < m_blob.size(); ++i) {
        const auto r = decryptSecret(xorByte(m_blob, i), Password);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, QStringLiteral("keystore.password"));
    }
    const auto extended = decryptSecret(QByteArray(m_blob + 'x'), Password);
    QVERIFY(!extended.ok());
    QCOMPARE(extended.error().code, QStringLiteral("keystore.password"));
}

void tst_Keystore::hostileParams_data()
{
    QTest::addColumn<int>("log2N");
    QTest::addColumn<quint32>("r");
    QTest::addColumn<quint32>("p");
    QTest::newRow("log2N 40") << 40 << 8u << 1u;
    QTest::newRow("log2N 255") << 255 << 8u << 1u;
    QTest::newRow("r huge") << 14 << 0xffffffffu << 1u;
    QTest::newRow("p huge") << 14 << 8u << 0x80000000u;
    QTest::newRow("memory above limit") << 20 << 32u << 1u; // each in range, 4 GiB together
}

void tst_Keystore::hostileParams()
{
    QFETCH(int, log2N);
    QFETCH(quint32, r);
    QFETCH(quint32, p);
    QByteArray blob = withByte(m_blob, Log2NAt, char(log2N));
    blob = withU32(blob, RAt, r);
    blob = withU32(blob, PAt, p);
    const auto res = decryptSecret(blob, Password);
    QVERIFY(!res.ok());
    QCOMPARE(res.error().code, QStringLiteral("keystore.params"));
}

void tst_Keystore::passwordHash()
{
    const QString stored = hashPassword(Password, Fast);
    const QStringList parts = stored.split(u'$');
    QCOMPARE(parts.size(), 6);
    QCOMPARE(parts[0], QStringLiteral("scrypt"));
    QCOMPARE(parts[1], QStringLiteral("10"));
    QCOMPARE(parts[2], QStringLiteral("8"));
    QCOMPARE(parts[3], QStringLiteral("1"));
    QCOMPARE(parts[4].size(), 32);
    QCOMPARE(parts[5].size(), 64);
    QVERIFY(hashPassword(Password, Fast) != stored); // salted
}

void tst_Keystore::verifyPassword_data()
{
    QTest::addColumn<QString>("password");
    QTest::addColumn<QString>("stored");
    QTest::addColumn<bool>("expected");

    const QString good = hashPassword(Password, Fast);
    const QStringList p = good.split(u'$');
    auto join = [](QStringList parts) { return parts.join(u'$'); };
    auto with = [&](int index, const QString &value) {
        QStringList copy = p;
        copy[index] = value;
        return join(copy);
    };

    QTest::newRow("right") << Password << good << true;
    QTest::newRow("right, upper-case hex") << Password << with(4, p[4].toUpper()).replace(p[5], p[5].toUpper()) << true;
    QTest::newRow("wrong") << QStringLiteral("Correct horse 电池 staple") << good << false;
    QTest::newRow("empty password") << QString() << good << false;
    QTest::newRow("empty stored") << Password << QString() << false;
    QTest::newRow("garbage") << Password << QStringLiteral("not a hash") << false;
    QTest::newRow("other scheme") << Password << with(0, QStringLiteral("bcrypt")) << false;
    QTest::newRow("too few parts") << Password << join(p.mid(0, 5)) << false;
    QTest::newRow("too many parts") << Password << QString(good + QStringLiteral("$00")) << false;
    QTest::newRow("log2N 9") << Password << with(1, QStringLiteral("9")) << false;
    QTest::newRow("log2N 40") << Password << with(1, QStringLiteral("40")) << false;
    QTest::newRow("log2N 11") << Password << with(1, QStringLiteral("11")) << false;
    QTest::newRow("log2N signed") << Password << with(1, QStringLiteral("+10")) << false;
    QTest::newRow("log2N spaced") << Password << with(1, QStringLiteral(" 10")) << false;
    QTest::newRow("log2N empty") << Password << with(1, QString()) << false;
    QTest::newRow("r 0") << Password << with(2, QStringLiteral("0")) << false;
    QTest::newRow("r 33") << Password << with(2, QStringLiteral("33")) << false;
    QTest::newRow("r huge") << Password << with(2, QStringLiteral("99999999999")) << false;
    QTest::newRow("p 17") << Password << with(3, QStringLiteral("17")) << false;
    QTest::newRow("salt short") << Password << with(4, p[4].left(30)) << false;
    QTest::newRow("salt bad hex") << Password << with(4, QStringLiteral("zz") + p[4].mid(2)) << false;
    QTest::newRow("hash short") << Password << with(5, p[5].left(62)) << false;
    QTest::newRow("hash long") << Password << with(5, p[5] + QStringLiteral("00")) << false;
    QTest::newRow("hash bad hex") << Password << with(5, p[5].left(63) + u'g') << false;
    QTest::newRow("hash flipped") << Password
                                  << with(5, (p[5][0] == u'0' ? QStringLiteral("1") : QStringLiteral("0")) + p[5].mid(1))
                                  << false;
}

void tst_Keystore::verifyPassword()
{
    QFETCH(QString, password);
    QFETCH(QString, stored);
    QFETCH(bool, expected);
    QCOMPARE(mg::crypto::verifyPassword(password, stored), expected);
}

QTEST_GUILESS_MAIN(tst_Keystore)
#include "tst_keystore.moc"
