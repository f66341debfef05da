namespace Billing.Data;

public sealed class InvoiceRepository
{
    public const string Table = "invoices";
}
