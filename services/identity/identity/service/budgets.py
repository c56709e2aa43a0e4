"""Every request budget of identity (domain/throttles.py), built from the settings."""
from __future__ import annotations

from dataclasses import dataclass

from identity.domain.throttles import Budget, per_hour, per_minute
from identity.settings import IdentitySettings


@dataclass(frozen=True)
class Budgets:
    """Every request budget of identity, from the settings."""
    hash_address: Budget            # argon2 hashes (password login, registration, reset, card proof)
    card_challenge_address: Budget
    card_challenge_card: Budget
    registration_address: Budget
    registration_phone: Budget
    refresh_address: Budget
    refresh_user: Budget

    @classmethod
    def from_settings(cls, s: IdentitySettings) -> "Budgets":
        return cls(
            hash_address=Budget("hash.address", (per_minute(s.hash_per_address_per_minute),
                                                 per_hour(s.hash_per_address_per_hour))),
            card_challenge_address=Budget("card_challenge.address",
                                          (per_minute(s.card_challenges_per_address_per_minute),
                                           per_hour(s.card_challenges_per_address_per_hour))),
            card_challenge_card=Budget("card_challenge.card", (per_minute(s.card_challenges_per_card_per_minute),)),
            registration_address=Budget("registration.address", (per_hour(s.registrations_per_address_per_hour),)),
            registration_phone=Budget("registration.phone", (per_hour(s.registrations_per_phone_per_hour),)),
            refresh_address=Budget("refresh.address", (per_minute(s.refreshes_per_address_per_minute),)),
            refresh_user=Budget("refresh.user", (per_minute(s.refreshes_per_user_per_minute),)),
        )
