namespace Billing.Core;

public sealed record Invoice(string Number, decimal Amount);
