#include "core/ledger/merkle.h"

#include <QTest>

#include <algorithm>

using namespace mg;
using namespace mg::ledger;
using crypto::Hash256;

namespace {

QList<Hash256> makeLeaves(int n)
{
    QList<Hash256> leaves;
    for (int i = 0; i < n; ++i)
        leaves.append(crypto::sha256(QByteArray(QByteArray("tx-") + QByteArray::number(i))));
    return leaves;
}

QByteArray raw(const Hash256 &h)
{
    return h.toByteArray();
}

Hash256 leaf(const Hash256 &id)
{
    return crypto::sha256(QByteArray(QByteArray(1, '\x00') + raw(id)));
}

Hash256 inner(const Hash256 &l, const Hash256 &r)
{
    return crypto::sha256(QByteArray(QByteArray(1, '\x01') + raw(l) + raw(r)));
}

// Independent reference: split at the largest power of two below n (RFC 6962 shape). Pairing
// level by level and promoting the odd last node builds the same tree.
Hash256 referenceRoot(const QList<Hash256> &ids)
{
    if (ids.size() == 1)
        return leaf(ids[0]);
    qsizetype k = 1;
    while (k * 2 < ids.size())
        k *= 2;
    return inner(referenceRoot(ids.mid(0, k)), referenceRoot(ids.mid(k)));
}

int expectedSiblings(quint32 index, quint32 count)
{
    int n = 0;
    for (quint64 pos = index, width = count; width > 1; pos /= 2, width = (width + 1) / 2) {
        if (pos % 2 == 1 || pos + 1 < width)
            ++n;
    }
    return n;
}

} // namespace

class tst_Merkle : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void explicitRoots();
    void roots_data();
    void roots();
    void noDuplicationCollision();
    void proofs_data();
    void proofs();
    void tampered_data();
    void tampered();
    void proofEncoding_data();
    void proofEncoding();
    void proofDecodeRejects_data();
    void proofDecodeRejects();
};

void tst_Merkle::explicitRoots()
{
    const QList<Hash256> l = makeLeaves(5);
    QVERIFY(merkleRoot({}).isNull());
    QCOMPARE(merkleRoot(l.mid(0, 1)), leaf(l[0]));
    QCOMPARE(merkleRoot(l.mid(0, 2)), inner(leaf(l[0]), leaf(l[1])));
    // Three leaves: the third is promoted, not paired with itself.
    QCOMPARE(merkleRoot(l.mid(0, 3)), inner(inner(leaf(l[0]), leaf(l[1])), leaf(l[2])));
    const Hash256 ab = inner(leaf(l[0]), leaf(l[1])), cd = inner(leaf(l[2]), leaf(l[3]));
    QCOMPARE(merkleRoot(l.mid(0, 4)), inner(ab, cd));
    QCOMPARE(merkleRoot(l), inner(inner(ab, cd), leaf(l[4])));
    // A single leaf's root is its leaf hash, never the bare id (domain separation).
    QVERIFY(merkleRoot(l.mid(0, 1)) != l[0]);
}

void tst_Merkle::roots_data()
{
    QTest::addColumn<int>("count");
    for (int n : {0, 1, 2, 3, 4, 5, 7, 8, 16, 17})
        QTest::addRow("%d leaves", n) << n;
}

void tst_Merkle::roots()
{
    QFETCH(int, count);
    const QList<Hash256> leaves = makeLeaves(count);
    const Hash256 root = merkleRoot(leaves);
    if (count == 0) {
        QVERIFY(root.isNull());
        return;
    }
    QCOMPARE(root, referenceRoot(leaves));
    // Order matters, and so does every leaf.
    if (count > 1) {
        QList<Hash256> swapped = leaves;
        swapped.swapItemsAt(0, count - 1);
        QVERIFY(merkleRoot(swapped) != root);
    }
    QList<Hash256> changed = leaves;
    changed[count / 2].bytes[0] ^= 1;
    QVERIFY(merkleRoot(changed) != root);
    // One more or one fewer leaf changes the root.
    QVERIFY(merkleRoot(makeLeaves(count + 1)) != root);
    if (count > 1)
        QVERIFY(merkleRoot(leaves.mid(0, count - 1)) != root);
}

void tst_Merkle::noDuplicationCollision()
{
    // With Bitcoin's duplicate-last rule [a,b,c] and [a,b,c,c] share a root; here they must not.
    const QList<Hash256> l = makeLeaves(3);
    QVERIFY(merkleRoot(l) != merkleRoot(l + QList<Hash256>{l[2]}));
    QList<Hash256> five = makeLeaves(5);
    QVERIFY(merkleRoot(five) != merkleRoot(five + QList<Hash256>{five[4]}));
}

void tst_Merkle::proofs_data()
{
    QTest::addColumn<int>("count");
    QTest::addColumn<int>("index");
    for (int n : {1, 2, 3, 4, 5, 7, 8, 16, 17}) {
        QList<int> indices{0, n / 2, n - 1};
        if (n % 2 == 1) { // odd counts: every leaf, promoted paths included
            indices.clear();
            for (int i = 0; i < n; ++i)
                indices.append(i);
        }
        std::sort(indices.begin(), indices.end());
        indices.erase(std::unique(indices.begin(), indices.end()), indices.end());
        for (int i : indices)
            QTest::addRow("%d leaves, index %d", n, i) << n << i;
    }
}

void tst_Merkle::proofs()
{
    QFETCH(int, count);
    QFETCH(int, index);
    const QList<Hash256> leaves = makeLeaves(count);
    const Hash256 root = merkleRoot(leaves);
    const MerkleProof proof = merkleProof(leaves, quint32(index));
    QCOMPARE(proof.index, quint32(index));
    QCOMPARE(proof.leafCount, quint32(count));
    QCOMPARE(proof.siblings.size(), expectedSiblings(quint32(index), quint32(count)));
    QVERIFY(verifyMerkleProof(leaves[index], proof, root));
    // The proof is for this leaf only.
    for (int other = 0; other < count; ++other) {
        if (other != index)
            QVERIFY(!verifyMerkleProof(leaves[other], proof, root));
    }
}

void tst_Merkle::tampered_data()
{
    QTest::addColumn<int>("count");
    QTest::addColumn<int>("index");
    QTest::addColumn<QString>("tamper");

    const QStringList tampers{"sibling", "leaf", "index", "index out of range", "index max", "leafCount zero",
                              "leafCount below index", "leafCount shape", "extra sibling", "missing sibling",
                              "root", "swapped siblings"};
    for (int n : {1, 2, 3, 5, 8, 17}) {
        QList<int> indices{0, n / 2, n - 1};
        indices.erase(std::unique(indices.begin(), indices.end()), indices.end());
        for (int i : indices) {
            const int siblings = expectedSiblings(quint32(i), quint32(n));
            for (const QString &t : tampers) {
                // Rows only where the tampering applies (a single leaf has no sibling or neighbour).
                if ((t == u"sibling" || t == u"missing sibling") && siblings == 0)
                    continue;
                if ((t == u"swapped siblings" && siblings < 2) || (t == u"index" && n == 1))
                    continue;
                QTest::addRow("%d leaves, index %d, %s", n, i, qPrintable(t)) << n << i << t;
            }
        }
    }
}

void tst_Merkle::tampered()
{
    QFETCH(int, count);
    QFETCH(int, index);
    QFETCH(QString, tamper);

    const QList<Hash256> leaves = makeLeaves(count);
    Hash256 root = merkleRoot(leaves);
    Hash256 target = leaves[index];
    MerkleProof proof = merkleProof(leaves, quint32(index));
    QVERIFY(verifyMerkleProof(target, proof, root));

    if (tamper == u"sibling") {
        proof.siblings.last().bytes[31] ^= 0x40;
    } else if (tamper == u"leaf") {
        target.bytes[0] ^= 1;
    } else if (tamper == u"index") {
        // The neighbour's position: the bottom-level order changes, or the sibling count does.
        proof.index = quint32((index ^ 1) < count ? index ^ 1 : index - 1);
    } else if (tamper == u"index out of range") {
        proof.index = proof.leafCount;
    } else if (tamper == u"index max") {
        proof.index = 0xffffffffu;
    } else if (tamper == u"leafCount zero") {
        proof.leafCount = 0;
    } else if (tamper == u"leafCount below index") {
        proof.leafCount = quint32(index);
    } else if (tamper == u"leafCount shape") {
        // The root does not commit to leafCount (callers take it from the header's txCount), so
        // only a count that changes the path's shape is detectable: find one.
        quint32 changed = 0;
        for (quint32 c = proof.index + 1; c < 64; ++c) {
            if (c != proof.leafCount && expectedSiblings(proof.index, c) != proof.siblings.size()) {
                changed = c;
                break;
            }
        }
        QVERIFY(changed != 0);
        proof.leafCount = changed;
    } else if (tamper == u"extra sibling") {
        proof.siblings.append(leaves[0]);
    } else if (tamper == u"missing sibling") {
        proof.siblings.removeLast();
    } else if (tamper == u"root") {
        root.bytes[5] ^= 0x10;
    } else if (tamper == u"swapped siblings") {
        proof.siblings.swapItemsAt(0, 1);
    }
    QVERIFY(!verifyMerkleProof(target, proof, root));
}

void tst_Merkle::proofEncoding_data()
{
    QTest::addColumn<int>("count");
    QTest::addColumn<int>("index");
    for (int n : {1, 2, 5, 17})
        for (int i : {0, n - 1})
            QTest::addRow("%d leaves, index %d", n, i) << n << i;
}

void tst_Merkle::proofEncoding()
{
    QFETCH(int, count);
    QFETCH(int, index);
    const QList<Hash256> leaves = makeLeaves(count);
    const MerkleProof proof = merkleProof(leaves, quint32(index));
    const QByteArray bytes = proof.encode();
    QCOMPARE(bytes.size(), 1 + 4 + 4 + 4 + 32 * proof.siblings.size());
    auto decoded = MerkleProof::decode(bytes);
    QVERIFY2(decoded.ok(), qPrintable(decoded.errorString()));
    QCOMPARE(decoded.value(), proof);
    QCOMPARE(decoded->encode(), bytes);
    QVERIFY(verifyMerkleProof(leaves[index], decoded.value(), merkleRoot(leaves)));
    for (qsizetype len = 0; len < bytes.size(); ++len)
        QVERIFY(!MerkleProof::decode(bytes.left(len)).ok());
}

void tst_Merkle::proofDecodeRejects_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("code");
    const QByteArray good = merkleProof(makeLeaves(5), 2).encode();
    QTest::newRow("version 2") << (QByteArray(1, '\x02') + good.mid(1)) << "decode.invalid";
    QTest::newRow("trailing byte") << (good + QByteArray(1, '\0')) << "decode.trailing";
    QTest::newRow("33 siblings") << QByteArray::fromHex("01" "00000000" "00000005" "00000021") << "decode.too_long";
    QTest::newRow("siblings beyond input") << QByteArray::fromHex("01" "00000000" "00000005" "00000003") << "decode.truncated";
    QTest::newRow("empty") << QByteArray() << "decode.truncated";
}

void tst_Merkle::proofDecodeRejects()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, code);
    auto decoded = MerkleProof::decode(bytes);
    QVERIFY(!decoded.ok());
    QCOMPARE(decoded.error().code, code);
    QVERIFY(decoded.error().message.startsWith(QStringLiteral("merkle proof: ")));
}

QTEST_GUILESS_MAIN(tst_Merkle)
#include "tst_merkle.moc"
