package dev.verity.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verity.contract.receipt.Base64Url;
import dev.verity.contract.receipt.ReceiptSigner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReceiptKeysTest {

    @Test
    void theLocalStacksKeysAreMadeOnceKeptOwnerOnlyAndReadBackTheSame(@TempDir Path dir) throws Exception {
        ReceiptKeys first = ReceiptKeys.loadOrCreate(dir);
        ReceiptKeys again = ReceiptKeys.loadOrCreate(dir);

        assertThat(again).isEqualTo(first);
        assertThat(Base64Url.encode(ReceiptSigner.publicKeyOf(Base64Url.decode(first.privateKey())))).isEqualTo(first.publicKey());
        assertThat(Base64Url.decode(first.macKey())).hasSize(32);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("receipt-keys.properties"))))
                .isEqualTo("rw-------");
    }

    @Test
    void servicesGetThemUnderTheDocumentedNamesAndNoSecretIsPrinted() {
        ReceiptKeys keys = ReceiptKeys.generate("k1");

        assertThat(keys.env()).containsOnlyKeys("VERITY_RECEIPTS_KEY_ID", "VERITY_RECEIPTS_PRIVATE_KEY",
                "VERITY_RECEIPTS_MAC_KEYS", "VERITY_RECEIPTS_PUBLIC_KEYS");
        assertThat(keys.env().get("VERITY_RECEIPTS_PUBLIC_KEYS")).isEqualTo("k1:" + keys.publicKey());
        assertThat(keys.toString()).doesNotContain(keys.privateKey()).doesNotContain(keys.macKey());
    }
}
