package dev.verity.runtime.receipts;

import dev.verity.contract.receipt.ReceiptMac;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** The internal MAC keys as a bean, for the service that checks receipts (the gateway). */
@ApplicationScoped
public class ReceiptMacs {

    @Produces
    @Singleton
    ReceiptMac receiptMac(ReceiptConfig config) {
        return ReceiptSigning.macOf(config);
    }
}
