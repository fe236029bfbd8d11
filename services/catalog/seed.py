"""The 27 seed products of the original catalog, now with prices.

``seed_products`` runs as a database set-up step after the migrations: it
fills an empty ``products`` table and leaves a non-empty one alone. It holds
a transaction-scoped advisory lock while it checks and inserts, so replicas
starting together seed exactly once.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from services.catalog.domain import Product, ProductImage
from services.catalog.store import INSERT_PRODUCT, product_row

log = logging.getLogger(__name__)

_SEED_LOCK = "critter-sandbox:catalog-seed"

# sku, name, price, category, subcategory, brand, description, tags
_SeedRow = tuple[str, str, str, str, str, str, str, tuple[str, ...]]

_CATALOG: tuple[_SeedRow, ...] = (
    ("DOG-BOWL-001", "Premium Stainless Steel Dog Bowl", "19.99", "Dogs", "Bowls & Feeders",
     "PetSupreme", "Stainless steel bowl on a non-slip rubber base; dishwasher safe.",
     ("dishwasher-safe", "non-slip", "stainless-steel")),
    ("DOG-TOY-ROPE", "Durable Rope Toy - Large", "12.99", "Dogs", "Toys",
     "PlayPaws", "Thick cotton rope for tug-of-war and fetch.",
     ("durable", "dental-health", "interactive")),
    ("DOG-COLLAR-LED", "LED Safety Collar - Adjustable", "24.99", "Dogs", "Collars & Leashes",
     "SafePet", "Rechargeable light-up collar with three modes for night walks.",
     ("led", "rechargeable", "safety", "adjustable")),
    ("DOG-BED-ORTHO", "Orthopedic Memory Foam Dog Bed", "89.99", "Dogs", "Beds & Furniture",
     "ComfortPaws", "Memory foam bed for senior and large dogs; washable cover.",
     ("orthopedic", "memory-foam", "washable")),
    ("DOG-TREATS-CHK", "Chicken Jerky Treats (12oz)", "14.49", "Dogs", "Treats & Snacks",
     "NaturalBite", "Single-ingredient chicken jerky, no additives.",
     ("natural", "usa-made", "single-ingredient")),
    ("CAT-TREE-5FT", "Multi-Level Cat Tree - 5ft", "129.99", "Cats", "Furniture & Scratchers",
     "FelineFun", "Five tiers of perches, two condos and sisal scratching posts.",
     ("multi-level", "scratching-post", "condo")),
    ("CAT-LITTER-CLM", "Clumping Clay Litter (25lb)", "18.99", "Cats", "Litter & Accessories",
     "FreshPaws", "Fast-clumping, low-dust, unscented clay litter.",
     ("clumping", "odor-control", "dust-free")),
    ("CAT-TOY-LASER", "Interactive Laser Pointer Toy", "21.99", "Cats", "Toys",
     "PlayKitty", "Automatic laser with random patterns and an auto-off timer.",
     ("automatic", "laser", "interactive")),
    ("CAT-FOUNTAIN-2L", "Pet Water Fountain - 2 Liter", "34.99", "Cats", "Bowls & Feeders",
     "HydratePet", "Quiet circulating fountain with a triple filter.",
     ("fountain", "filter", "quiet")),
    ("CAT-CARRIER-SM", "Soft-Sided Pet Carrier - Small", "39.99", "Cats", "Carriers & Travel",
     "TravelPet", "Airline-approved carrier with mesh sides and a fleece pad.",
     ("airline-approved", "soft-sided", "portable")),
    ("BIRD-CAGE-MED", "Medium Bird Cage with Stand", "109.99", "Birds", "Cages & Habitats",
     "AvianHome", "Cage for parakeets and cockatiels with perches and a pull-out tray.",
     ("cage", "stand", "medium")),
    ("BIRD-SEED-MIX", "Premium Parakeet Seed Mix (5lb)", "11.99", "Birds", "Food & Treats",
     "AvianNutrition", "Millet, canary seed and oats with added vitamins.",
     ("seed", "vitamins", "nutritious")),
    ("BIRD-TOY-SWING", "Wooden Perch Swing with Bell", "6.99", "Birds", "Toys & Enrichment",
     "FeatherFun", "Natural wood swing with a brass bell.",
     ("natural-wood", "swing", "bell")),
    ("FISH-TANK-20G", "20 Gallon Fish Tank (Includes Filter)", "149.99", "Fish",
     "Aquariums & Stands", "AquaLife", "Starter tank with LED hood, filter and heater.",
     ("starter-kit", "filter", "led")),
    ("FISH-FOOD-FLAKE", "Tropical Flake Food (4oz)", "7.49", "Fish", "Food & Supplements",
     "AquaNutrition", "Vitamin-enriched flakes that do not cloud the water.",
     ("flakes", "vitamins", "tropical")),
    ("FISH-DECOR-CAVE", "Aquarium Rock Cave Decoration", "13.99", "Fish", "Decorations",
     "AquaDecor", "Fish-safe resin cave that gives shy fish a hiding spot.",
     ("cave", "hiding-spot", "resin")),
    ("HAMSTER-CAGE-LG", "Large Hamster Cage with Tubes", "59.99", "Small Animals",
     "Cages & Habitats", "SmallPetHomes", "Multi-level habitat with tubes and a silent wheel.",
     ("multi-level", "tubes", "wheel")),
    ("RABBIT-HAY-5LB", "Timothy Hay for Rabbits (5lb)", "16.99", "Small Animals", "Food & Hay",
     "SmallPetNutrition", "High-fiber timothy hay for rabbits and guinea pigs.",
     ("timothy-hay", "high-fiber", "natural")),
    ("GUINEA-PIG-HIDEY", "Wooden Hideaway House", "15.99", "Small Animals",
     "Accessories & Enrichment", "SmallPetFun", "Chewable wooden shelter for small pets.",
     ("wood", "hideaway", "natural")),
    ("REPTILE-TANK-40G", "40 Gallon Reptile Terrarium", "179.99", "Reptiles",
     "Terrariums & Enclosures", "ReptileHome", "Glass terrarium with front doors and a screen top.",
     ("terrarium", "screen-top", "glass")),
    ("REPTILE-LAMP-UVB", "UVB Basking Lamp (100W)", "27.99", "Reptiles", "Heating & Lighting",
     "ReptileLux", "UVB basking lamp for calcium absorption and warmth.",
     ("uvb", "basking", "lamp")),
    ("REPTILE-SUBSTRATE", "Desert Sand Substrate (10lb)", "17.99", "Reptiles",
     "Substrates & Bedding", "ReptileGround", "Fine calcium-based sand for desert species.",
     ("sand", "substrate", "calcium")),
    ("PET-GROOMING-KIT", "Professional Grooming Kit - All Pets", "44.99", "Dogs",
     "Grooming & Health", "GroomPro", "Brush, comb, clippers and dematting tool in a case.",
     ("grooming", "brush", "clippers", "multi-pet")),
    ("PET-GATE-WIDE", "Extra Wide Pet Gate (62 inch)", "69.99", "Dogs", "Safety & Containment",
     "SafeHome", "Pressure-mounted walk-through gate for wide openings.",
     ("gate", "pressure-mount", "extra-wide")),
    ("PET-CAMERA-WIFI", "WiFi Pet Camera with Treat Dispenser", "119.99", "Dogs",
     "Technology & Gadgets", "SmartPet", "HD camera with two-way audio and remote treat toss.",
     ("camera", "wifi", "treat-dispenser", "hd")),
    ("PET-FIRST-AID", "Pet First Aid Kit", "29.99", "Dogs", "Health & Wellness",
     "SafePet", "Bandages, antiseptic wipes, tweezers and a thermometer.",
     ("first-aid", "emergency", "safety")),
    ("XMAS-PET-SWEATER", "Holiday Pet Sweater - Red & White", "22.99", "Dogs",
     "Apparel & Accessories", "HolidayPaws", "Machine-washable knit sweater with snowflakes.",
     ("holiday", "sweater", "seasonal")),
)  # fmt: skip


def seed_catalog(added_at: datetime) -> tuple[Product, ...]:
    """The seed products, Active, added one millisecond apart from ``added_at`` so a
    listing shows them in catalog order."""
    return tuple(
        Product(
            sku=sku,
            name=name,
            description=description,
            category=category,
            subcategory=subcategory,
            brand=brand,
            price=Decimal(price),
            tags=tags,
            images=(ProductImage(f"https://placehold.co/400x400?text={sku}", name),),
            added_at=added_at + timedelta(milliseconds=index),
        )
        for index, (sku, name, price, category, subcategory, brand, description, tags) in enumerate(
            _CATALOG
        )
    )


async def seed_products(connection: Any) -> int:
    """Insert the seed products if ``products`` is empty; return how many were inserted."""
    async with connection.transaction():
        await connection.execute("SELECT pg_advisory_xact_lock(hashtext($1))", _SEED_LOCK)
        if await connection.fetchval("SELECT EXISTS (SELECT 1 FROM products)"):
            return 0
        now = await connection.fetchval("SELECT now()")
        products = seed_catalog(now)
        await connection.executemany(INSERT_PRODUCT, [product_row(p) for p in products])
    log.info("seeded %d products", len(products))
    return len(products)
