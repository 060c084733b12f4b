#include "core/ledger/encoding.h"

#include <QTest>

#include <limits>

using namespace mg;
using namespace mg::ledger;

namespace {

enum class Prim { U8, U16, U32, U64, I64 };

crypto::Hash256 patternHash(quint8 seed)
{
    crypto::Hash256 h;
    for (int i = 0; i < crypto::Hash256::Size; ++i)
        h.bytes[size_t(i)] = quint8(seed + i * 7);
    return h;
}

// A small record with one field of every primitive, to test where truncation is reported.
struct Record
{
    static QByteArray encode()
    {
        Writer w;
        w.u8(0x11);
        w.u16(0x2233);
        w.u32(0x44556677);
        w.u64(0x8899aabbccddeeffull);
        w.i64(-5);
        w.boolean(true);
        w.hash(patternHash(3));
        w.bytes(QByteArray("payload"));
        w.string(QStringLiteral("微电网"));
        w.raw(QByteArray("RAW!"));
        w.u32(2); // count
        w.u16(1);
        w.u16(2);
        return w.take();
    }

    // Field names in order with their encoded sizes (for bytes/strings: prefix + data), named as
    // the reader reports a cut inside them. A cut among the items is caught by count() already,
    // since the count promises at least 2 bytes per item.
    static QList<std::pair<const char *, int>> layout()
    {
        return {{"a_u8", 1}, {"b_u16", 2}, {"c_u32", 4}, {"d_u64", 8}, {"e_i64", 8}, {"f_bool", 1},
                {"g_hash", 32}, {"h_bytes", 4 + 7}, {"i_string", 4 + 9}, {"j_raw", 4}, {"k_count", 4},
                {"k_count", 2}, {"k_count", 2}};
    }

    static Status decode(QByteArrayView data)
    {
        Reader r(data, QStringLiteral("test record"));
        r.u8("a_u8");
        r.u16("b_u16");
        r.u32("c_u32");
        r.u64("d_u64");
        r.i64("e_i64");
        r.boolean("f_bool");
        r.hash("g_hash");
        r.bytes("h_bytes", 100);
        r.string("i_string", 100);
        r.raw("j_raw", 4);
        const quint32 n = r.count("k_count", 10, 2);
        for (quint32 i = 0; i < n; ++i)
            r.u16("l_item");
        return r.finish();
    }
};

QByteArray lengthPrefixed(quint32 length, QByteArrayView data)
{
    Writer w;
    w.u32(length);
    w.raw(data);
    return w.take();
}

} // namespace

class tst_Encoding : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void integers_data();
    void integers();
    void booleans_data();
    void booleans();
    void hashes_data();
    void hashes();
    void byteStrings_data();
    void byteStrings();
    void strings_data();
    void strings();
    void rawAndCount();
    void truncation_data();
    void truncation();
    void overLong_data();
    void overLong();
    void invalidUtf8_data();
    void invalidUtf8();
    void badBoolean_data();
    void badBoolean();
    void trailing_data();
    void trailing();
    void firstErrorKept();
    void failByCaller();
    void emptyContextNamed();
};

void tst_Encoding::integers_data()
{
    QTest::addColumn<int>("prim");
    QTest::addColumn<quint64>("value");
    QTest::addColumn<QByteArray>("expected"); // big-endian bytes, hex

    QTest::newRow("u8 0") << int(Prim::U8) << quint64(0) << QByteArray("00");
    QTest::newRow("u8 max") << int(Prim::U8) << quint64(0xff) << QByteArray("ff");
    QTest::newRow("u16 0x1234") << int(Prim::U16) << quint64(0x1234) << QByteArray("1234");
    QTest::newRow("u16 max") << int(Prim::U16) << quint64(0xffff) << QByteArray("ffff");
    QTest::newRow("u32 1") << int(Prim::U32) << quint64(1) << QByteArray("00000001");
    QTest::newRow("u32 0xdeadbeef") << int(Prim::U32) << quint64(0xdeadbeef) << QByteArray("deadbeef");
    QTest::newRow("u64 0") << int(Prim::U64) << quint64(0) << QByteArray("0000000000000000");
    QTest::newRow("u64 pattern") << int(Prim::U64) << quint64(0x0102030405060708ull) << QByteArray("0102030405060708");
    QTest::newRow("u64 max") << int(Prim::U64) << std::numeric_limits<quint64>::max() << QByteArray("ffffffffffffffff");
    QTest::newRow("i64 -1") << int(Prim::I64) << quint64(qint64(-1)) << QByteArray("ffffffffffffffff");
    QTest::newRow("i64 min") << int(Prim::I64) << quint64(std::numeric_limits<qint64>::min())
                             << QByteArray("8000000000000000");
    QTest::newRow("i64 max") << int(Prim::I64) << quint64(std::numeric_limits<qint64>::max())
                             << QByteArray("7fffffffffffffff");
    QTest::newRow("i64 ms timestamp") << int(Prim::I64) << quint64(1700000000123ll) << QByteArray("0000018bcfe5687b");
}

void tst_Encoding::integers()
{
    QFETCH(int, prim);
    QFETCH(quint64, value);
    QFETCH(QByteArray, expected);

    Writer w;
    switch (Prim(prim)) {
    case Prim::U8: w.u8(quint8(value)); break;
    case Prim::U16: w.u16(quint16(value)); break;
    case Prim::U32: w.u32(quint32(value)); break;
    case Prim::U64: w.u64(value); break;
    case Prim::I64: w.i64(qint64(value)); break;
    }
    QCOMPARE(w.data().toHex(), expected);

    Reader r(w.data(), QStringLiteral("ints"));
    quint64 back = 0;
    switch (Prim(prim)) {
    case Prim::U8: back = r.u8("v"); break;
    case Prim::U16: back = r.u16("v"); break;
    case Prim::U32: back = r.u32("v"); break;
    case Prim::U64: back = r.u64("v"); break;
    case Prim::I64: back = quint64(r.i64("v")); break;
    }
    QCOMPARE(back, value);
    QVERIFY(r.atEnd());
    QVERIFY(r.finish().ok());
}

void tst_Encoding::booleans_data()
{
    QTest::addColumn<bool>("value");
    QTest::newRow("false") << false;
    QTest::newRow("true") << true;
}

void tst_Encoding::booleans()
{
    QFETCH(bool, value);
    Writer w;
    w.boolean(value);
    QCOMPARE(w.data(), QByteArray(1, value ? '\x01' : '\x00'));
    Reader r(w.data());
    QCOMPARE(r.boolean("flag"), value);
    QVERIFY(r.finish().ok());
}

void tst_Encoding::hashes_data()
{
    QTest::addColumn<crypto::Hash256>("value");
    QTest::newRow("null") << crypto::Hash256();
    QTest::newRow("pattern") << patternHash(1);
    crypto::Hash256 ones;
    ones.bytes.fill(0xff);
    QTest::newRow("all ones") << ones;
}

void tst_Encoding::hashes()
{
    QFETCH(crypto::Hash256, value);
    Writer w;
    w.hash(value);
    QCOMPARE(w.data(), value.toByteArray()); // raw, no length prefix
    Reader r(w.data());
    QCOMPARE(r.hash("h"), value);
    QVERIFY(r.finish().ok());
}

void tst_Encoding::byteStrings_data()
{
    QTest::addColumn<QByteArray>("value");
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("one") << QByteArray("x");
    QTest::newRow("binary with zeros") << QByteArray("\x00\x01\xff\x00", 4);
    QTest::newRow("1000 bytes") << QByteArray(1000, '\xab');
}

void tst_Encoding::byteStrings()
{
    QFETCH(QByteArray, value);
    Writer w;
    w.bytes(value);
    QCOMPARE(w.data(), lengthPrefixed(quint32(value.size()), value));
    Reader r(w.data());
    QCOMPARE(r.bytes("b", 1000), value);
    QVERIFY(r.finish().ok());
}

void tst_Encoding::strings_data()
{
    QTest::addColumn<QString>("value");
    QTest::newRow("empty") << QString();
    QTest::newRow("ascii") << QStringLiteral("node-17");
    QTest::newRow("chinese") << QStringLiteral("微电网交易");
    QTest::newRow("emoji (4-byte UTF-8)") << QStringLiteral("⚡🔋");
    QTest::newRow("embedded NUL") << QString(QStringLiteral("a") + QChar(0) + QStringLiteral("b"));
    // A leading BOM must survive: dropping it would make decode(encode(s)) != s.
    QTest::newRow("leading BOM") << QString(QChar(0xfeff) + QStringLiteral("x"));
}

void tst_Encoding::strings()
{
    QFETCH(QString, value);
    Writer w;
    w.string(value);
    QCOMPARE(w.data(), lengthPrefixed(quint32(value.toUtf8().size()), value.toUtf8()));
    Reader r(w.data());
    QCOMPARE(r.string("s", 100), value);
    QVERIFY2(r.finish().ok(), qPrintable(r.error().toString()));
}

void tst_Encoding::rawAndCount()
{
    Writer w;
    w.raw(QByteArray("abcd"));
    w.u32(3);
    w.raw(QByteArray("xyz"));
    Reader r(w.data());
    QCOMPARE(r.raw("magic", 4), QByteArray("abcd"));
    QCOMPARE(r.count("items", 3, 1), 3u);
    QCOMPARE(r.raw("items", 3), QByteArray("xyz"));
    QVERIFY(r.finish().ok());
}

void tst_Encoding::truncation_data()
{
    QTest::addColumn<int>("length");
    QTest::addColumn<QString>("field");

    const QByteArray full = Record::encode();
    int offset = 0;
    for (const auto &[field, size] : Record::layout()) {
        for (int cut = offset; cut < offset + size; ++cut)
            QTest::addRow("cut at %d in %s", cut, field) << cut << QString::fromLatin1(field);
        offset += size;
    }
    Q_ASSERT(offset == full.size());
}

void tst_Encoding::truncation()
{
    QFETCH(int, length);
    QFETCH(QString, field);

    const QByteArray full = Record::encode();
    QVERIFY(Record::decode(full).ok());
    const Status st = Record::decode(full.left(length));
    QVERIFY(!st.ok());
    QCOMPARE(st.error().code, QStringLiteral("decode.truncated"));
    const QString msg = st.error().message;
    QVERIFY2(msg.startsWith(QStringLiteral("test record: field '") + field + QLatin1Char('\'')), qPrintable(msg));
    QVERIFY2(msg.contains(QStringLiteral("truncated: ")), qPrintable(msg));
}

void tst_Encoding::overLong_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<int>("what"); // 0 bytes, 1 string, 2 count
    QTest::addColumn<QString>("code");

    QTest::newRow("bytes over max") << lengthPrefixed(11, QByteArray(11, 'x')) << 0 << "decode.too_long";
    QTest::newRow("string over max") << lengthPrefixed(11, QByteArray(11, 'x')) << 1 << "decode.too_long";
    QTest::newRow("count over max") << lengthPrefixed(11, QByteArray(22, 'x')) << 2 << "decode.too_long";
    // Huge lengths within the caller's limit but beyond the input: refused before allocating.
    QTest::newRow("bytes 4 GiB claimed") << lengthPrefixed(0xffffffffu, "ab") << 3 << "decode.truncated";
    QTest::newRow("bytes longer than input") << lengthPrefixed(9, "abc") << 4 << "decode.truncated";
    QTest::newRow("count beyond input") << lengthPrefixed(5, QByteArray(9, 'x')) << 5 << "decode.truncated";
}

void tst_Encoding::overLong()
{
    QFETCH(QByteArray, input);
    QFETCH(int, what);
    QFETCH(QString, code);

    Reader r(input, QStringLiteral("limits"));
    switch (what) {
    case 0: QVERIFY(r.bytes("blob", 10).isEmpty()); break;
    case 1: QVERIFY(r.string("name", 10).isEmpty()); break;
    case 2: QCOMPARE(r.count("items", 10, 1), 0u); break;
    case 3: QVERIFY(r.bytes("blob", 0xffffffffu).isEmpty()); break;
    case 4: QVERIFY(r.bytes("blob", 100).isEmpty()); break;
    case 5: QCOMPARE(r.count("items", 100, 2), 0u); break;
    }
    const Status st = r.finish();
    QVERIFY(!st.ok());
    QCOMPARE(st.error().code, code);
    QVERIFY2(st.error().message.startsWith(QStringLiteral("limits: field '")), qPrintable(st.error().message));
}

void tst_Encoding::invalidUtf8_data()
{
    QTest::addColumn<QByteArray>("utf8");
    QTest::newRow("lone 0xff") << QByteArray("\xff");
    QTest::newRow("lone continuation") << QByteArray("a\x80" "b");
    QTest::newRow("overlong NUL") << QByteArray("\xc0\x80");
    QTest::newRow("overlong slash") << QByteArray("\xe0\x80\xaf");
    QTest::newRow("UTF-16 surrogate") << QByteArray("\xed\xa0\x80");
    QTest::newRow("beyond U+10FFFF") << QByteArray("\xf4\x90\x80\x80");
    QTest::newRow("truncated sequence at end") << QByteArray("ok\xe4\xb8");
    QTest::newRow("truncated sequence in middle") << QByteArray("\xe4\xb8" "x");
}

void tst_Encoding::invalidUtf8()
{
    QFETCH(QByteArray, utf8);
    Writer w;
    w.bytes(utf8);
    Reader r(w.data(), QStringLiteral("utf8 test"));
    QVERIFY(r.string("name", 100).isEmpty());
    const Status st = r.finish();
    QVERIFY(!st.ok());
    QCOMPARE(st.error().code, QStringLiteral("decode.invalid"));
    QVERIFY2(st.error().message.startsWith(QStringLiteral("utf8 test: field 'name'")), qPrintable(st.error().message));
}

void tst_Encoding::badBoolean_data()
{
    QTest::addColumn<quint8>("value");
    QTest::newRow("2") << quint8(2);
    QTest::newRow("0x80") << quint8(0x80);
    QTest::newRow("0xff") << quint8(0xff);
}

void tst_Encoding::badBoolean()
{
    QFETCH(quint8, value);
    const QByteArray input(1, char(value));
    Reader r(input, QStringLiteral("flags"));
    QCOMPARE(r.boolean("enabled"), false);
    const Status st = r.finish();
    QVERIFY(!st.ok());
    QCOMPARE(st.error().code, QStringLiteral("decode.invalid"));
    QVERIFY(st.error().message.startsWith(QStringLiteral("flags: field 'enabled'")));
}

void tst_Encoding::trailing_data()
{
    QTest::addColumn<int>("extra");
    QTest::newRow("1 byte") << 1;
    QTest::newRow("33 bytes") << 33;
}

void tst_Encoding::trailing()
{
    QFETCH(int, extra);
    const QByteArray input = Record::encode() + QByteArray(extra, '\0');
    const Status st = Record::decode(input);
    QVERIFY(!st.ok());
    QCOMPARE(st.error().code, QStringLiteral("decode.trailing"));
    QCOMPARE(st.error().message,
             QStringLiteral("test record: %1 trailing bytes after field 'l_item'").arg(extra));
}

void tst_Encoding::firstErrorKept()
{
    const QByteArray input("\x05\x00", 2);
    Reader r(input, QStringLiteral("first"));
    QCOMPARE(r.u8("a"), quint8(5));
    QCOMPARE(r.u32("b"), 0u); // truncated: 1 byte left
    const Error first = r.error();
    QCOMPARE(first.code, QStringLiteral("decode.truncated"));
    QCOMPARE(first.message, QStringLiteral("first: field 'b' truncated: need 4 bytes, 1 left"));
    // Later reads return zero values and do not overwrite the first failure.
    QCOMPARE(r.u8("c"), quint8(0));
    QVERIFY(r.bytes("d", 10).isEmpty());
    r.fail("e", QStringLiteral("later"));
    QCOMPARE(r.error().message, first.message);
    QCOMPARE(r.finish().error().code, first.code);
}

void tst_Encoding::failByCaller()
{
    const QByteArray input(1, '\x07');
    Reader r(input, QStringLiteral("enum test"));
    const quint8 v = r.u8("kind");
    r.fail("kind", QStringLiteral("unknown kind %1").arg(v));
    const Status st = r.finish();
    QVERIFY(!st.ok());
    QCOMPARE(st.error().code, QStringLiteral("decode.invalid"));
    QCOMPARE(st.error().message, QStringLiteral("enum test: field 'kind' invalid: unknown kind 7"));
}

void tst_Encoding::emptyContextNamed()
{
    Reader r{QByteArrayView()};
    r.u8("x");
    QVERIFY(!r.ok());
    QVERIFY(r.error().message.startsWith(QStringLiteral("input: field 'x'")));
}

QTEST_GUILESS_MAIN(tst_Encoding)
#include "tst_encoding.moc"
