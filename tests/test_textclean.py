"""Text captures → article: the five seeds line by line, and text captures of other shapes."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from extractors.article import ExtractionError, capture_to_article
from extractors.textclean import ArticleParts, classify_line, clean_text_capture, is_korean_text
from planwatch.records import Capture

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
TEXTS = Path(__file__).parent / "fixtures" / "texts"


def seed_text(seed_id: str) -> str:
    (path,) = SEEDS.glob(f"{seed_id}_*.txt")
    return path.read_text(encoding="utf-8")


def clean_seed(seed_id: str) -> ArticleParts:
    return clean_text_capture(seed_text(seed_id))


def assert_paragraphs_kept(parts: ArticleParts, expected: list[str]) -> None:
    """Every article paragraph is kept, whole, exactly once, in order; nothing else is kept."""
    assert parts.paragraphs == expected


def assert_no_boilerplate(parts: ArticleParts, boilerplate: list[str]) -> None:
    text = parts.text
    for line in boilerplate:
        assert line not in parts.paragraphs, line
        if len(line) >= 8:
            assert line not in text, line


# Article paragraphs and boilerplate lines of each seed, as printed in the seed.
SEED_000_PARAGRAPHS = [
    "안양시가 24일 선제적 대응을 위해 '4차 산업혁명 촉진 종합계획수립' 중간보고회를 진행했다고 밝혔다.",
    "시는 이날 시청 4층 회의실에서 '제2기(2025-2029) 안양시 4차 산업혁명 촉진 종합계획 수립 연구 용역' 중간보고회를 개최했다.",
    '4차 산업혁명 촉진 종합계획 수립 연구 용역은 4차 산업혁명으로 인한 사회 전반의 변화에 대응하기 위해 과학기술, 산업경제, 사회제도를 연계한 실질적인 추진 방향과 전략 등을 수립하기 위한 것이다.',
    '이번 보고회에서는 용역 수행기관의 연구 용역 추진 현황과 향후 계획에 대한 발표가 진행됐다.',
    '연구 용역의 주요 내용은 ▲제1기(2020-2024) 계획의 평가·분석 ▲4차 산업혁명 관련 국내외 환경 및 정책 분석 ▲안양 지역산업 현안 도출 ▲제2기 계획의 기본방향과 비전 제시 ▲핵심 추진과제 및 실행과제 수립 등이다.',
    "시는 지난 1기 계획을 기반으로 자율주행버스 '주야로' 운행과 스마트도시통합센터 신축 개관 등을 완료하며 스마트 도시로서의 위상을 강화했다.",
    '이번 2기 계획 수립을 위한 연구 용역을 통해서는 4차 산업혁명 시대에 걸맞은 인재 양성과 시민 인식 제고 방안도 모색하는 등 한 단계 더 도약할 수 있는 방안을 마련하고자 한다.',
    '특히 안양시의 강점 분야를 발전시키고 새로운 기회 영역을 개척하는 데 중점을 둘 예정이다.',
    '이번 보고회에는 최대호 안양시장을 비롯해 안양시의원, 안양시 4차산업혁명위원회 위원, 관련 부서장 등 20여 명이 참석했다. 안양시 4차산업혁명위원회는 대학교수, 기업체 대표, 연구기관 관계자 등 다양한 분야의 전문가 13명으로 구성돼있다.',
    '최대호 안양시장은 "4차 산업혁명은 우리 삶과 산업 구조를 근본적으로 변화시키고 새로운 기회를 가져오고 있으며, 안양시는 이러한 변화의 물결에 선제적으로 대응하고 선도해야 한다"며 "이번 중간보고회는 전문가 의견을 수렴하고, 안양시의 밝은 미래를 그려 나가는 중요한 기회가 될 것"이라고 말했다.',
    '한편, 연구 용역은 올해 7월부터 11월까지 5개월간 진행되며, 최종 결과는 내년 중 발표될 예정이다.',
]
SEED_000_BOILERPLATE = [
    '전국',
    '수도권',
    '김삼철 기자김삼철 기자',
    '선제적 대응 ‘4차 산업혁명 촉진 종합계획수립’ 중간보고회',
    "안양시가 24일 시청 4층 회의실에서 '제2기(2025-2029) 안양시 4차 산업혁명 촉진 종합계획 수립 연구 용역' 중간보고회를 진행하고 있다.",
    '안양=김삼철 기자 news1003@',
    '중도일보(www.joongdo.co.kr), 무단전재 및 수집, 재배포 금지',
    '기자의 다른기사 보기',
    '랭킹뉴스',
    '1. 금산세계인삼축제 세계무예인들 힘 보탠다',
    '2. [인터뷰] 박수용 인플루언서, 동기부여 강사',
    "3. '국민을 행복하게, 대한민국을 건강하게, 든든한 건강보험과 함께 마을을 재미있게'",
    '4. [현장 취재]Joy & 비티오 합동 북 콘서트',
    "5. 정부세종청사 옥상정원 첫 야간 개방...'달빛 야경 투어' 가볼까",
    "1. 공주시 백제문화제, '웅진성 퍼레이드' 역시 명불허전(?)",
    '2. [결혼]이찬민 군 정지윤 양',
    '3. 제1회 한국콘홀 대전협회장배 어린이 콘홀대회 성황리에 마쳐',
    "4. '제30회 아산시민의 날' 개최",
    '5. 대전시 신교통수단 도입에 이목 집중',
    '헤드라인 뉴스',
    '2024 국정감사 7일부터 돌입… 지역 현안 관철 시험대',
    "22대 국회가 7일부터 국정감사에 돌입하면서 산적한 지역 현안들을 점검하고 관철할 기회로 삼아야 한다는 목소리가 높다. 이번 국감은 22대 국회 첫 국정감사로, 11월 1일까지 26일간 진행된다. 다양한 민생 현안이 다뤄질 예정이지만, 최근 여야는 물론 윤석열 대통령과 야당과의 관계도 극한 대치로 치달으면서 '정쟁 국감'으로 흐를 우려가 커지고 있다. 실제 김건희 여사 의혹, 더불어민주당 이재명 대표의 사법 리스크를 놓고 여야는 총력전을 준비 중이다. 때문에 다양한 지역 현안들이 뒷전으로 밀려나는 게 아니냐는 우려가 적지 않다. 특..",
    '대전시 신교통수단 도입에 이목 집중',
    '현실적·재정적 여건으로 지방 도시들이 대중교통체계 구축에 어려움을 겪고 있는 가운데 대전시가 신교통수단 도입에 나서고 있어 주목을 받고 있다. 6일 대전시에 따르면 시는 도시철도 2호선 수소트램 사업 착공을 눈앞에 두고 있는 가운데 신교통수단 도입을 위한 시범사업도 적극 추진하고 있다. 4월 발표한 도시철도 3·4·5호선 구축계획에 따라 유성온천네거리에서 가수원네거리를 잇는 6.2㎞ 구간에 무궤도 굴절차량(TRT, Trackless Rapid Transit)을 2025년 말까지 개통할 계획이다. 무궤도 굴절차량은 전통적인 트램과 달..',
    '"곧 김장철인데"... 배추 가격 고공행진에 주부들 한숨',
    '김장철을 앞두고 배춧값이 들썩이면서 대전 주부들의 걱정이 늘고 있다. 한때 포기당 1만 3000원을 넘어섰던 배추는 8000원대로 가격이 내려가면서 안정세를 되찾고 있지만 여전히 예년보다 20%가량 올랐기 때문이다. 6일 한국농수산식품유통공사에 따르면 4일 기준 대전 배추 소매가는 한 포기당 8660원으로, 한 달 전(6593원)보다 31.3% 인상된 것으로 집계됐다. 지역 배추 소매가는 9월 중순부터 가격이 오르기 시작해 19일 1만 3350원으로 최고가를 찍은 이후 점차 하락하며 8000원대까지 내려왔다. 일부 지역 전통시장과..',
    '실시간 뉴스',
    '지난 기획시리즈',
    '포토뉴스',
    '‘퀴즈 풀며 안전을 배워요’…SAFE 대전 어린이 안전골든벨 성료 ‘퀴즈 풀며 안전을 배워요’…SAFE 대전 어린이 안전골든벨 성료',
    '꿈씨 패밀리와 함께하는 가을꽃 여행 꿈씨 패밀리와 함께하는 가을꽃 여행',
    '의정 갈등 장기화…커지는 피로감 의정 갈등 장기화…커지는 피로감',
    '‘가을을 걷다’…2024 구봉산둘레길 걷기행사 성료 ‘가을을 걷다’…2024 구봉산둘레길 걷기행사 성료',
]
SEED_001_PARAGRAPHS = [
    '부천시는 지난 16일 4차 산업혁명 촉진을 위한 주요 정책사항들을 논의하기 위해 4차 산업혁명위원회를 개최했다고 밝혔다.',
    '회의에는 손임성 부시장과 장해영 시의원을 비롯해 부천산업진흥원, 부천시 5대 특화산업 R&D기관 관계자, 대학교수 등 10명이 참석했다.',
    '위원회는 ‘스마트라이프를 위한 첨단융합산업 선도 도시, 부천’ 비전 아래 시가 추진하는 ‘부천시 4차 산업혁명 촉진 종합계획’ 전반에 대해 토론했으며, 참석한 위원들로부터 다양한 의견들이 도출됐다.',
    '일자리 창출과 연계한 기술 발전, 기존 특화산업 분야의 고도화 및 신성장산업 융합, 산업계의 디지털전환 방향 모색 등에 대한 다양한 의견이 쏟아졌으며, ‘시민 삶의 질 향상을 위한 정책 발굴 및 추진’이라는 지향점에 합의했다.',
    '시는 2021년 2월, 7개 전략과제 및 17개 실행과제를 담은 ‘부천시 4차 산업혁명 촉진 종합계획’을 수립하여 운영하고 있으며, 디지털 대전환으로 대변되는 4차산업 혁명 시대 흐름에 맞추어 9개 전략과제 및 31개 실행과제로 확대 추진할 예정이다.',
    '9개 전략과제는 ▶ 5대 특화산업 융합 활성화 ▶ 문화콘텐츠 산업 차별화 ▶ 사회기여촉진 기술확산 ▶ 스마트홈 기반 IoT 산업 육성 ▶ 퍼스널 모빌리티 산업 기반 구축 ▶ 지식기반형 서비스산업 육성 ▶ 4차 산업혁명 혁신기반 조성 ▶ 지역 특화 미래산업 인력 육성 ▶ 시민체감형 스마트인프라 구축으로 구성됐다.',
    '손임성 부시장은 “부천시 산업특성에 맞는 4차 산업혁명 촉진을 위해 산업계, 학계, R&D기관 전문가로 구성된 위원회의 역할이 중요하다”며, “이를 통해 차세대 신성장산업을 육성하고 대장산업단지 내 첨단기업이 많이 유치될 수 있도록 노력하겠다.”고 말했다.',
    '한편 부천시 4차 산업혁명위원회는 2020년 3월, 4차 산업혁명 촉진 관련 정책 자문을 위해 공무원과 시의원을 비롯해 첨단산업에 대한 학식과 경험이 풍부한 R&D기관 전문가 16명으로 구성됐으며, 코로나 확산 영향으로 올해 처음 대면으로 개최되었다.',
]
SEED_001_BOILERPLATE = [
    '기사 메일전송',
    '기사수정',
    '부천시 4차 산업혁명위원회 회의 개최 현장 사진 (부천시 제공)',
    '목록 바로가기',
    '인쇄',
    '서초구',
    '국민신문고',
    'HOT ISSUE더보기',
    '많이 본 뉴스더보기',
    '1. 군포시, 2025년 군포 미래교육협력지구 부속 합의 체결 군포시는 6일 군포의왕교육지원청(이하 지원청)과 2025년 군포 미래교육협력지구의 세부 추진사업을 확정하는 부속 합의를 체결했다.시와 경기도 교육청은 지난 2023년 3월에 인성과 역량을 갖춘 미래인재 양성을 위해 지역과 학교가 협력하는 미래교육협력지구 업무협약을 맺은 바 있으며, 해당 협약에 따라 매년 협력해 추진할 사업에 대한 ...',
    '2. 진로 탐색 돕는 ‘2025년 겨울방학 동행캠프’ 시립문래청소년센터에서 성공적 마무리 시립문래청소년센터가 2025년 겨울방학을 맞아 청소년들 스스로 꿈과 목표를 설정하고 준비할 수 있도록 지원하는 ‘시간 속 직업 탐험대’ 동행캠프를 성황리에 마쳤다.‘시간 속 직업 탐험대’ 동행캠프는 참여 청소년이 직업의 과거·현재·미래를 알아보고 자신의 진로를 고민할 기회를 제공하는 진로교육 프로그램...',
    '3. 최상목 권한대행, 군사대비태세 점검… “대북 억제태세 확고히 유지” 최상목 대통령 권한대행은 7일 합동참모본부 지휘통제실을 방문해 군사대비태세를 점검하고, 북한의 어떠한 도발에도 즉각 대응할 수 있는 확고한 군사 대비태세를 유지할 것을 지시했다. 또한, 군 지휘관들에게 장병들과 적극 소통하며 사기 저하를 방지할 것을 당부했다.최상목 대통령 권한대행은 7일 오전 10시 합참 지휘통제실을 방문해...',
    '4. 건국대학교, 실험실창업 아카데미 성료… 해양자원 활용 뷰티브랜드로 세계를 겨냥 건국대학교 창업지원단 창업지원본부와 창업교육센터가 주최한 ‘2024 건국 실험실 창업 아카데미’가 지난 1월 9일 입문캠프로 시작해 1월 24일 경진대회 및 시상식을 끝으로 성황리에 막을 내렸다.이번 프로그램은 작년의 성과를 이어받아 꾸준한 관심 속에서 진행됐으며, 크게 두 가지 목적을 가지고 기획됐다. 첫째, 건국대학교 교..',
    '5. 고양창릉 공공주택 첫 마을 분양 개시… 주택전시관 개관 국토교통부는 7일 고양창릉 공공주택지구 첫 마을(A4·S5·S6 블록) 분양을 시작하며, 주택전시관 개관식을 개최했다. 진현환 국토부 1차관은 행사에서 “이번 분양이 수도권 공공주택 공급의 중요한 기점이 될 것”이라며, 철저한 품질관리와 원활한 입주 추진을 당부했다.국토교통부(장관 박상우)는 7일 오후 일산 킨텍스에서 .',
    '6. 이민근 안산시장, 원곡동 주민들에게 희망 메시지 전달 안산시(시장 이민근)는 지난 6일 원곡고등학교에서 주민들과 밀착형 스킨십 소통 행사인 `희망을 나누는 첫인사, 동행`을 진행했다고 7일 밝혔다.부드러운 분위기 속에 묻어나는 소탈하고 진솔한 주민들의 의견을 시정에 담아내고자 준비한 이번 행사는 원곡동 주민과 교육 분야 관계자, 원곡동 여성배구단 등 30여 명이 참석한 가운데 이뤄..',
    '7. 화성시문화관광재단 상반기 시즌 기획공연, 티켓예매 매진 행렬 화성시문화관광재단(대표이사 안필연)이 2025년 새롭게 선보이는 기획 공연 시즌제 ‘화성 SEASONing’ 2025 상반기 라인업이 관객들에게 큰 호응을 얻고 있다.화성·반석·누림아트홀은 지역 관객들이 미리 공연 일정을 확인하고 예매할 수 있는 상·하반기 기획공연 시즌제를 도입했다. 2025년 상반기에는 총 23개의 공연이 예.',
    '모바일 버전 바로가기',
]
SEED_002_PARAGRAPHS = [
    '광양시가 ‘4차산업혁명’ 생태계 조성을 위한 전략을 마련했다.',
    '광양시는 최근 시청 상황실에서 ‘광양시 4차산업혁명위원회’ 상반기 정기회의를 열고 4차산업혁명 촉진 기본계획을 확정했다고 20일 밝혔다.',
    '광양시 4차산업혁명위원회는 올해로 5년 차 운영되고 있다.',
    '그동안 4차산업 관련 종합계획을 수립하고 각종 박람회, 선진지 견학 등을 통한 정책 동향 파악과 신규사업 발굴 등을 진행했다.',
    '시는 철강과 항만산업을 기반으로 한 ‘4차산업혁명’ 큰 줄기를 세우며 앞으로 지역 먹거리 산업을 준비하겠다는 계획이다.',
    '이날 회의에서는 4차산업혁명 촉진 기본계획과 4대 전략 방향, 10대 전략과제도 설정했다.',
    '광양시는 인공지능(AI)과 빅데이터(Big data), 클라우드(Cloud·정보 저장)를 아우르는 ‘ABC 중심의 스마트 청정 미래산업 도시’를 내걸고 있다.',
    '혁신형 탄소중립 완성 도시를 구축하며 기업과 인구가 늘어나 지속 가능한 미래형 성장도시를 구현하는 것이 목표다.',
    '앞으로 5년간 추진할 4차산업혁명 촉진 기본계획은 모두 4단계로 구성했다.',
    '1단계는 수소·이차전지 산업 기반(인프라)을 구축하고, 디지털 전환 준비와 데이터 경제 기반을 마련한다는 내용을 담았다.',
    '2단계는 에너지 전환기 새로운 사업안을 육성하고, 3단계에서는 친환경 미래산업 도시로 도약하자는 것이 골자다. 마지막으로 4단계에서는 기업과 인구가 유입되는 미래형 성장도시로 우뚝 서는 것이 최종 목표다.',
    '기본계획을 뒷받침할 4대 전략 방향도 세웠다.',
    '탄소중립 달성을 위해 주력 산업의 디지털 전환 속도를 높이고 ▲미래 친환경 도시 경제 기반을 구축 ▲시민체감형 스마트 서비스 구현 ▲4차산업혁명 융합 플랫폼 기반조성 등도 추진한다.',
    '10대 전략과제에는 ▲철강산업 산업경쟁력 강화 ▲항만을 활용한 디지털 신성장 동력 개발 ▲친환경 에너지 산업생태계 구축 ▲데이터 기반 미래산업 육성 ▲핵심 인프라 중심 탄소중립 전환 ▲블록체인(데이터 분산 처리기술) 기반 행정 구축 ▲생활밀착형 지능형 서비스 제공 ▲4차산업혁명 제도 및 기반 구축 ▲미래 신산업 기술인력 육성 ▲광양시 미래 인력 육성 등이 포함됐다.',
    '광양시는 4차산업혁명 촉진을 위한 29개 사업을 마련하고 각 부서가 추진할 시행계획을 다음 달까지 마련할 방침이다.',
    '정인화 광양시장은 “향후 5년간 4차산업혁명 촉진을 위한 기본계획이 수립된 만큼 4차산업 관련 산업이 한 단계 더 도약해야 할 시기”라며 “기존 산업의 재편과 초연결·초지능·초융합으로 파급성이 큰 신산업 발굴로 광양 산업생태계의 변화를 꾀하고, 체계적인 4차산업혁명 대응을 통해 지속 성장의 토대를 마련할 수 있도록 위원회가 힘을 보태주길 바란다”고 말했다.',
]
SEED_002_BOILERPLATE = [
    '2023년 02월 20일(월) 11:25 가가',
    '/광양=김대수 기자 kds@kwangju.co.kr',
    '![]() ![]() |',
    '<광양시 제공> |',
    '/광양=김대수 기자 kds@kwangju.co.kr',
]
SEED_003_PARAGRAPHS = [
    '제4차산업혁명시대를 앞두고 대전시가 정부의 4차산업 육성 정책에 부응하고 선제적 대응기반 마련에 나섰다.',
    '31일(월) 오후 2시 대전시청 대회의실에서는 권선택 시장과 신성철 카이스트 총장을 공동위원장으로, 민‧관‧산‧학‧연 관계전문가 19명으로 구성된 전국 최초의 ‘4차산업혁명 추진위원회 창립총회’를 개최했다.',
    '이날 총회는 위원 위촉과 위원장 선출, 4차산업혁명 추진경과와 특별시 육성 기본계획 보고, 기본계획 토론 및 운영방안 협의 등 순으로 진행됐다.',
    '권선택 대전시장은 "대전을 \'대한민국 4차 산업혁명 특별시\'로 육성하기 위해 정부 정책에 선제적으로 대응하기 위한 구체적인 추진방안을 마련하는 데 주력해 나가겠다"고 말했다',
    '신성철 카이스트 총장(공동위원장)은 “혁신기술과 민․관․산․학․연의 협업, 그리고 스피드가 4차 산업혁명의 성공요건인 만큼 대전에서 한국형 4차 산업혁명 성공방식을 선도적으로 만들어서 대전발전을 이루자”고 말했다.',
    '이어진 4차 산업혁명 특별시 대전육성 기본계획 보고에서 대전시는 당초 3개 전략 12개 과제에서 4개 전략 17개 과제로 확대하여 기본계획을 보고했다.',
    '4개 전략은 ▲연결과 융합의 다양한‘혁신 생태계 조성’, ▲ICT융합을 통한‘미래형 신산업 육성’, ▲신산업 핵심기술 융합성장 지원을 위한‘지원 인프라 구축’, ▲시민들이 체감하고 실생활과 연결시킬 수 있는‘실증화 구현’으로 구성되었다.',
    '특히, 새롭게 포함된‘혁신 생태계 조성’전략은 기술융합의 기업지원 생태계 확산을 위해 문제해결형 혁신 플랫폼 구축과 실리콘 밸리식 창업 보육센터 운영, 기술아이디어 융합 네트워크를 구축하고, 빅데이터를 통해 인공지능(AI) 기반의 관리 시스템 구축 및 4차산업혁명 기술 기업지원 펀드 운영을 추가 계획에 반영한 것이다.',
    '이와함께 대동‧금탄지구에 산학연 융합생태계 플랫폼을 구축하고, 고부가 가치 유전자 의약산업 육성 등 바이오 융합산업 허브를 구축함은 물론, 특수영상, 국방 ICT 클러스터 조성, 지능형 로봇산업 기반 조성 및 첨단센서 산업 등‘미래형 신산업’을 집중 육성할 계획이다.',
    '또, 이를 지원하기 위한‘인프라’구축으로 대덕특구에 융합공동연구센터를 조성하고, 연구소 기업 종합지원센터와 중소기업 스마트 제조혁신센터, SW융합산업 집적화 단지 조성도 추진한다.',
    '아울러,‘실증화 구현’을 통해 연구 성과물의 실제 적용을 위해 4차 산업혁명 체험·전시관을 운영하고, 스마트 빌리지와 스마트 스트리트를 조성하고, 신기술 테스트 베드 융복합 콤플렉스 등을 조성할 계획이다.',
    '김정홍 산업정책과장은 “‘대전을 대한민국의 4차 산업혁명 특별시’로 육성하기 위해 정부정책에 선제적으로 대응하고 지혜와 역량을 결집해 구체적 추진방안을 마련하는데 선도적 역할을 하겠다”고 말했다.',
    '한편, 시는 지난 5월에 4차산업혁명 대응전략을 발표하고, 대학과 연구단지 등 협치 시정회의를 개최하고, 6월 8일에는 민․관․산․학․연 관계자 700여명이 참여한‘4차 산업혁명 특별시 대전비전 선포식’을 개최하는 등 시민역량을 결집한 바 있다.',
    '7월 24일에는 4차 산업혁명 특별시 성장 거점 기반 조성을 위한 한국토지주택공사(LH)와 업무 협약을 체결함에 따라 안산 첨단국방 산업단지와 대동․금탄 융복합 산업단지의 조성사업이 본격 추진되면 이 지역이 4차 산업혁명 성장거점으로서 일자리 창출과 기업 유치를 통한 지역경제가 활성화 될 것으로 기대된다.',
]
SEED_003_BOILERPLATE = [
    '기사 메일전송',
    '기사수정',
    '목록 바로가기',
    '인쇄',
    '이전 기사 보기 다음 기사 보기',
    '많이 본 뉴스더보기',
    "1. STARLINK ENM KOREA, 중국 상하이 '성수 어트랙션' 팝업스토어 통합 마케팅 프로젝트 추진 울산영화인협회제공[뉴스21일간=임정훈]글로벌 마케팅유통 전문 기업 STARLINK ENM KOREA(스타링크 이엠앤 코리아, 대표 배기준)가 중국 상하이 시장을 겨냥한 메가 규모 통합 팝업스토어 마케팅 프로젝트 '성수 어트랙션'을 본격 추진한다고 28일 밝혔다.\xa0 \xa0 이번 프로젝트는 중국 시장 진출을 희망하는 한류 브랜드를 대상으로 방...",
    '2. 2025 대왕암힙합페스티벌 11월 1일 개최 [뉴스21일간=임정훈]울산 동구는 11월 1일 오후 1시 30분부터 오후 9시 30분까지 일산해수욕장 일대에서 ‘모두를 춤추게 하라’는 슬로건으로 ‘대왕암 힙합페스티벌’을 개최한다.\xa0 \xa0 이번 ‘대왕암 힙합페스티벌’은 청년이 주도하고 주민이 참여하며 지역 대학과 상가가 협업해 올해 처음으로 개최되는 축제이다. 스트리트 댄스 배...',
    "3. '우리 동네 특공대' 도용 의혹 드라마 티저 영상에 '침묵' 강요? 논란 가열 [뉴스21일간=김태인 ]최근 백동철 감독의 시나리오 '우리 동네 특공대' 도용 의혹이 불거진 하이지음스튜디오의 동명 드라마가 결국 제작되어 유튜브 등 온라인 플랫폼에 예고 티저 영상을 공개했습니다. 그러나 이 티저 영상에 대한 시청자들의 반응 중에는 도용 의혹을 제기하는 댓글들이 차단되거나 보이지 않는다는 주장이 제기...",
    '4. 하나님의 교회, ‘사랑의 헌혈’로 이웃에 소중한 생명나눔 실천 △ 헌혈릴레이 여수하나님의교회이웃의 소중한 생명을 살리기 위해 20년 넘게 헌혈에 솔선해온 하나님의교회 세계복음선교협회(총회장 김주철 목사, 이하 하나님의 교회)가 6일 전남 여수에서 ‘전 세계 유월절사랑 생명사랑 제1737차 헌혈릴레이’를 개최해 혈액 수급난 해소를 도왔다. 하나님의 교회는 올해만도 전 ...',
    '5. 울산 학교운영위원장, 건강한 교육공동체 조성에 힘 모은다 [뉴스21일간=이준수 기자]\xa0 울산광역시교육청(교육감 천창수)은 31일 외솔회의실에서 울산지역 학교운영위원장을 대상으로 ‘모두의 성장을 위한 바람직한 학교운영위원회의 역할’을 주제로 원탁토론회를 열었다.\xa0 \xa0 \xa0 \xa0 이번 토론회는 학교공동체의 건강한 소통과 협력으로 더 나은 민주적 학교 문화를 조성하고자 마련...',
    '6. 동구 도서관 자원활동가 양성과정 성황리 종료 동구청제공[뉴스21일간=임정훈]울산 동구 통합도서관은 도서관 운영 활성화를 위해 도서관에 관심 있는 지역 주민을 대상으로 10월 14일부터 31일까지 총 9회차에 걸쳐 남목도서관에서 ‘2025 동구 도서관 자원활동가 양성 과정’을 운영하였다.\xa0 \xa0 동구 통합도서관은 신청자 30여 명을 대상으로 ▲ 훼손 도서 보수법 ▲ 연령별 독서지도...',
    '7. 시각장애 교원 특수학급 운영 역량 높인다 [뉴스21일간=이준수 기자]\xa0 울산광역시교육청(교육감 천창수)은 31일 중구 가온고등학교 특수학급에서 시각장애 특수교육 교원을 대상으로 ‘특수학급 운영 역량 강화 연수’를 진행했다.\xa0 \xa0 \xa0 이번 연수는 시각장애 교원이 교육 현장에서 겪는 어려움을 덜고, 안정적으로 특수학급을 운영할 수 있도록 지원하고자 마련됐다.&nb...',
    '사랑더하기',
    'sunjin',
    '대우조선해양건설',
    '행복이 있는',
    '오션벨리리조트',
    '창해에탄올',
    '더낙원',
    '모바일 버전 바로가기',
]
SEED_004_PARAGRAPHS = [
    '[시사인경제]시흥시는 지난 17일 오후 2시 시흥 비즈니스센터에서 ‘지속가능한 스마트 프로슈밍 시티, 시흥’이라는 슬로건으로 국가R&D 실증사업 등 시흥시를 세계적인 스마트시티로 추진하기 위한 다자간 공동 업무협약을 체결했다.',
    '이번 협약에는 시흥시와 서울대학교, 한국전자통신연구원, 한국전력공사, 한국토지주택공사, 한국에너지공단, KT 등 7개 기관이 참여했다.',
    '주요 협약 내용으로는 시흥시의 글로벌 스마트시티 추진과 관련한 ▶연구 및 기술개발 ▶인력양성 및 교육 ▶정보 교류, 연구시설 및 장비의 상호 이용 ▶사업 전략화 및 확대 등 4개 분야에 대해 상호 협력한다는 내용이다.',
    '최근 중앙정부에서는 스마트시티 국가시범도시 선정, 국가 전략 R&D 실증 지구 선정, 도시재생 뉴딜 사업 등 스마트시티에 대한 혁신적인 변화를 요구하고 있으며, 중앙정부의 스마트시티와 관련한 다양한 정책에 부응하기 위해 지방자치단체와 전문기관과의 적극적인 협력이 요구되는 상황이다. 이번 협약을 통해 4차산업 도시플랫폼 기반의 연구개발이 실증을 통해 도시 전체로 확산돼 스마트시티 생태계 조성이 가능해질 것으로 전망된다.',
    '김윤식 시흥시장은 “이번 협약을 계기로 장현지구, V-City, 기존도시의 스마트화 등 그동안 시흥시에서 독자적으로 추진해오던 스마트시티가 더욱 탄력을 받아 글로벌 스마트시티 시흥으로 도약 발전하는 중요한 전기가 마련됐다”고 밝혔다.',
    '한편, 서울대 성낙인 총장은 “2019년 개교 예정인 서울대 시흥 글로벌 캠퍼스를 전기차 기반 자율주행 등 4차산업의 핵심 선도 연구기관으로 육성할 계획이다. 본 협약을 통해 시흥시와 스마트시티 관련 전략적 협력으로 서울대에서 개발하는 첨단 기술을 배곧 등 시흥시 스마트시티에 적극 실증 및 적용할 수 있는 장이 마련된 데 의미가 크다”고 밝혔다.',
    '시흥시는 업무협약식과 더불어 ‘지속가능한 스마트 프로슈밍 시티, 시흥’이라는 슬로건 아래 협약 참여 기관 및 IT기업들을 초정해 ‘스마트시티 추진 전략 및 솔루션 소개’ 세미나를 개최했다. 시흥시는 도시의 다양한 문제 해결과 지속가능한 스마트시티 추진을 위해 올해 스마트도시계획 수립을 통해 단계별로 스마트시티를 추진할 계획이다.',
]
SEED_004_BOILERPLATE = [
    '기사 메일전송',
    '기사수정',
    '기사수정',
    '다른 곳에 퍼가실 때는 아래 고유 링크 주소를 출처로 사용해주세요.',
    'http://gginews.kr/news/view.php?idx=42012',
    '기사등록 2018-04-19 08:49:00',
    '나도 한마디',
    '※ 로그인 후 의견을 등록하시면, 자신의 의견을 관리하실 수 있습니다. 0/1000',
    '많이 본 뉴스더보기',
    '1. 과천시, `경기형 가족돌봄수당` 사업 참여 과천시는 생후 만 24개월 이상 48개월 미만 아동을 돌보는 4촌 이내의 친인척이나 이웃 주민에게 돌봄 아동수에 따라 월 30만 원에서 60만 원을 지원한다.해당 사업은 경기도에서 새로 추진하는 `경기형 가족돌봄수당`으로 과천시가 사업에 참여하게 되면서 과천 시민이 혜택을 볼 수 있게 됐다.친인척 외 사회적 가족까지 돌봄비를 지원하는 ..',
    '2. 하남시, 스마트 안전 시설물 설치해 `어린이 교통사고 제로화` 하남시는 지난 21일 어린이보호구역 내 횡단보도 시인성 강화를 위해 2억원의 예산을 투입해 바닥신호등 2개소, 활주로형 횡단보도 9개소 설치를 완료했다.이현재 하남시장은 어린이보호구역 내 어린이 교통사고 제로화를 위해 기반시설이 부족한 지역에는 종합 정비사업을, 기반시설이 갖춰진 지역에는 스마트 안전 시설물 설치를 통해 어.',
    '3. 이천시, 반도체 인력양성 위해 기업 실무회의 열어…관계기관 협력 추진 이천시는 지난 5월24일 반도체산업의 청년고용 촉진과 전문인력 육성을 위한 반도체 기업 협의체 실무회의를 개최했다고 밝혔다.이번 실무회의는 이천시와 (사)경기중소벤처기업연합회가 공동 주관으로 관내 반도체 기업 과 두원공대, 한국폴리텍대학 반도체 융합캠퍼스, 이천 제일고, 다산고 등 교육기관이 참석해 반도체산업의 현장인력 ...',
    '4. 대진대학교, “우수논문상” 수상 대진대학교 IT융합지식재산교육센터 정종신 센터장(AI빅데이터전공 교수)은 우리 대학 지식재산융합전공 학생 등이 "2024년도 한국지식재산교육연구학회 춘계학술대회 우수논문상 수상"하였다고 밝혔다. 이번 한국지식재산교육연구학회(회장 김동하 청주대교수) 춘계학술대회는 5월 24일 인하대학교 60주년 기념관에서 개최되었으며, 한국특...',
    '5. 대진대학교, “최우수대학” 선정 대진대학교 IT융합지식재산교육센터 정종신 센터장(AI빅데이터전공 주임교수)은 특허청 신산업분야 지식재산 융합인재 양성 사업의 연차 평가 결과에서 최우수대학에 선정되었다고 밝혔다.전국 32개 대학 50개 사업단을 대상으로 한 특허청/한국발명진흥회 주관 사업 연차평가에서 두 개의 사업을 수행하는 대진대학교가 각각 최우수(S등급)...',
    '모바일 버전 바로가기',
]


SEEDS_EXPECTED = {
    "000": (SEED_000_PARAGRAPHS, SEED_000_BOILERPLATE),
    "001": (SEED_001_PARAGRAPHS, SEED_001_BOILERPLATE),
    "002": (SEED_002_PARAGRAPHS, SEED_002_BOILERPLATE),
    "003": (SEED_003_PARAGRAPHS, SEED_003_BOILERPLATE),
    "004": (SEED_004_PARAGRAPHS, SEED_004_BOILERPLATE),
}


@pytest.mark.parametrize("seed_id", sorted(SEEDS_EXPECTED))
def test_seed_keeps_every_paragraph_and_drops_boilerplate(seed_id: str) -> None:
    paragraphs, boilerplate = SEEDS_EXPECTED[seed_id]
    parts = clean_seed(seed_id)
    assert_paragraphs_kept(parts, paragraphs)
    assert_no_boilerplate(parts, boilerplate)


def test_seed_000_metadata_and_photo_caption() -> None:
    parts = clean_seed("000")
    assert parts.title == "안양시 '4차 산업혁명 촉진 종합계획수립' 중간보고회"
    assert parts.subtitle == '최대호 시장 "변화의 물결에 선제적 대응하고 선도해야"'
    assert parts.author == "김삼철"
    assert parts.published == datetime(2024, 9, 24, 17, 16)
    assert parts.outlet == "중도일보"
    # The caption above the lead restates it; the lead itself stays.
    assert not any("진행하고 있다" in p for p in parts.paragraphs)
    assert parts.paragraphs[0].startswith("안양시가 24일 선제적 대응을 위해")
    # Other cities of the ranking and headline blocks do not leak in.
    for other in ("금산", "공주시", "아산", "국정감사", "배추"):
        assert other not in parts.text


def test_seed_001_metadata() -> None:
    parts = clean_seed("001")
    assert parts.title == "부천시, 첨단산업도시 도약을 위한 ‘4차 산업혁명위원회’ 개최"
    assert parts.author == "김창식"
    assert parts.published == datetime(2022, 11, 18, 16, 55, 2)
    assert parts.subtitle is None
    for other in ("군포", "안산", "화성시", "최상목", "서초구", "국민신문고"):
        assert other not in parts.text


def test_seed_002_metadata_and_body_printed_twice() -> None:
    parts = clean_seed("002")
    assert parts.title == "광양시, 철강·항만 기반 ‘4차산업혁명’ 생태계 본격 조성"
    assert parts.subtitle == "4차산업혁명위원회, 기본계획 의결\n4대 전략·10대 과제·29개 사업 확정\n3월까지 부서 추진 시행계획 마련"
    assert parts.author == "김대수"
    assert parts.published == datetime(2023, 2, 20, 11, 25)
    assert parts.outlet == "광주일보"  # from kds@kwangju.co.kr
    lead = "광양시 4차산업혁명위원회는 올해로 5년 차 운영되고 있다."
    assert parts.text.count(lead) == 1
    for paragraph in SEED_002_PARAGRAPHS:
        assert parts.text.count(paragraph) == 1, paragraph
    assert "광양시 제공" not in parts.text and "![]()" not in parts.text


def test_seed_003_metadata() -> None:
    parts = clean_seed("003")
    assert parts.title == "대전시, 4차산업특별시 육성에 나선다"
    assert parts.subtitle == "31일 전국최초 '4차산업혁명추진위원회' 출범식"
    assert parts.author == "주정비"
    assert parts.published == datetime(2017, 8, 1, 13, 13, 48)
    for other in ("STARLINK", "대왕암", "하나님의 교회", "울산", "오션벨리리조트", "창해에탄올"):
        assert other not in parts.text


def test_seed_004_metadata_and_printed_url() -> None:
    parts = clean_seed("004")
    assert parts.title == "글로벌 스마트시티 추진을 위한 업무협약 체결"
    assert parts.subtitle == "지속가능한 스마트 프로슈밍 시티, 시흥"
    assert parts.url == "http://gginews.kr/news/view.php?idx=42012"
    assert parts.published == datetime(2018, 4, 19, 8, 49)
    assert parts.outlet == "gginews.kr"
    for other in ("과천시", "하남시", "이천시", "대진대학교", "로그인 후 의견"):
        assert other not in parts.text


@pytest.mark.parametrize("seed_id", sorted(SEEDS_EXPECTED))
def test_seed_through_the_article_stage(seed_id: str) -> None:
    (path,) = SEEDS.glob(f"{seed_id}_*.txt")
    article = capture_to_article(Capture(body=path.read_bytes(), kind="text", origin=str(path)))
    paragraphs, _ = SEEDS_EXPECTED[seed_id]
    assert article.text == "\n".join(paragraphs)
    assert article.encoding == "utf-8"
    assert len(article.content_hash) == 64
    assert article.origin == str(path)


def test_seed_004_article_url_and_canonical() -> None:
    (path,) = SEEDS.glob("004_*.txt")
    article = capture_to_article(Capture(body=path.read_bytes(), kind="text"))
    assert article.url == "http://gginews.kr/news/view.php?idx=42012"
    assert article.canonical_url == "https://gginews.kr/news/view.php?idx=42012"


def test_content_hash_ignores_whitespace_differences() -> None:
    text = seed_text("001")
    a = capture_to_article(Capture(body=text.encode(), kind="text"))
    b = capture_to_article(Capture(body=text.replace("\n", "\r\n").replace(" 개최했다", "  개최했다").encode(), kind="text"))
    assert a.content_hash == b.content_hash


# --- Text captures of other shapes (written for these tests) ---------------------------


def test_inline_related_block_resumes_article_and_ranking_is_dropped() -> None:
    parts = clean_text_capture((TEXTS / "inline_related_block.txt").read_text(encoding="utf-8"))
    assert parts.title == "수원시, '제2차 4차산업혁명 촉진 기본계획' 착수보고회 개최"
    assert parts.subtitle == "AI·데이터 기반 도시혁신 전략 마련…내년 6월까지 용역"
    assert parts.published == datetime(2024, 3, 5, 14, 20)
    assert parts.modified == datetime(2024, 3, 5, 15, 2)
    assert parts.author == "홍길동"
    assert parts.outlet == "경기일보"
    assert parts.paragraphs == [
        "수원시가 5일 시청 대회의실에서 '제2차 수원시 4차산업혁명 촉진 기본계획 수립 연구용역' 착수보고회를 열었다고 밝혔다.",
        "이번 용역은 2025년부터 2029년까지 5년간 추진할 4차산업혁명 정책의 비전과 전략을 마련하기 위한 것으로, 내년 6월까지 진행된다.",
        "용역을 맡은 한국지역정보개발원은 제1차 계획의 성과를 평가하고 인공지능, 데이터, 로봇 등 신기술을 행정과 산업에 접목하는 방안을 제시할 예정이다.",
        '이재준 수원시장은 "시민이 체감할 수 있는 디지털 혁신 과제를 발굴해 달라"고 당부했다.',
    ]
    for other in ("스마트도시 통합플랫폼", "화성시", "용인시", "성남시", "오산시", "로그인"):
        assert other not in parts.text


def test_untitled_text_with_body_twice_and_captions() -> None:
    parts = clean_text_capture((TEXTS / "untitled_double_body.txt").read_text(encoding="utf-8"))
    lead = "전주시가 지난 12일 전주시청 4층 회의실에서 전주시 4차산업혁명위원회 2024년 정기회의를 열고 올해 시행계획을 심의·의결했다고 14일 밝혔다."
    assert parts.paragraphs == [
        lead,
        "이날 회의에서 위원들은 탄소소재와 드론, 스마트팜 등 전주형 특화산업을 중심으로 한 24개 실행과제의 추진 상황을 점검했다.",
        "시는 위원회 의견을 반영해 하반기 중 데이터 기반 행정 고도화 사업을 추가로 추진할 계획이다.",
    ]
    assert parts.title  # a title is made from the lead when the page prints none
    assert parts.outlet == "전북일보"  # from the e-mail domain jjan.kr
    assert "익산시" not in parts.text and "사진=" not in parts.text


def test_english_text_capture_is_rejected_with_a_reason() -> None:
    body = (TEXTS / "english_page.txt").read_bytes()
    with pytest.raises(ExtractionError, match="no Korean article text found"):
        capture_to_article(Capture(body=body, kind="text"))


def test_text_that_is_not_korean_starts_with_its_body() -> None:
    # Japanese ends its sentences with "。": none of these lines is a sentence by the Korean rules,
    # which would read them all as the page's header and keep nothing.
    text = "\n".join([
        "港町、データ活用計画を決定",
        "市は十日、五年間のデータ活用計画を決めた。",
        "計画には三つの柱がある。",
        "公開データの拡充",
        "橋のセンサー設置",
        "市長は「市民の声を反映した」と話した。",
    ])
    parts = clean_text_capture(text)
    assert parts.title == "港町、データ活用計画を決定"
    assert parts.subtitle is None
    assert parts.paragraphs == text.split("\n")[1:]


def test_korean_text_is_told_by_its_share_of_hangul() -> None:
    assert is_korean_text("안양시는 24일 AI 행정 계획을 발표했다.")
    assert not is_korean_text("The council adopted the plan on Tuesday.")
    assert not is_korean_text("市は計画を決めた。")
    assert not is_korean_text("2024 - 10")


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("• 김삼철 기자김삼철 기자", "byline"),
        ("박준석 기자 외 1명", "byline"),
        ("/광양=김대수 기자 kds@kwangju.co.kr", "signoff"),
        ("칼럼니스트 박생강 pillgoo9@gmail.com", "signoff"),
        ("<광양시 제공> |", "caption"),
        ("부천시 4차 산업혁명위원회 회의 개최 현장 사진 (부천시 제공)", "caption"),
        ("![]() ![]() |", "noise"),
        ("0", "noise"),
        ("많이 본 뉴스더보기", "block"),
        ("HOT ISSUE더보기", "block"),
        ("2023년 02월 20일(월) 11:25 가가", "date"),
        ("기사입력 :[ 2018-09-28 17:32 ]", "date"),
        ("<저작권자ⓒ대전일보사. 무단전재-재배포 금지>", "copyright"),
        ("다른 곳에 퍼가실 때는 아래 고유 링크 주소를 출처로 사용해주세요.", "widget"),
        ("이번 협약에는 시흥시와 서울대학교 등 7개 기관이 참여했다.", "text"),
    ],
)
def test_line_classes(line: str, kind: str) -> None:
    assert classify_line(line).kind == kind


def test_pathological_input_stays_fast() -> None:
    import time

    nasty = ("가" * 5000 + " ") * 40 + "\n" + ("1. " + "x" * 3000 + "\n") * 200 + ("![](" * 2000) + "\n"
    started = time.perf_counter()
    clean_text_capture(nasty)
    assert time.perf_counter() - started < 2.0


@pytest.mark.parametrize(
    ("line", "outlet"),
    [
        ("중도일보(www.joongdo.co.kr), 무단전재 및 수집, 재배포 금지", "중도일보"),
        ("<저작권자ⓒ대전일보사. 무단전재-재배포 금지>", "대전일보"),
        ("<Copyright ⓒ 한국일보. All rights reserved. 무단 전재 및 재배포 금지>", "한국일보"),
        ("저작권자 ⓒ '문화비평 웹진' 엔터미디어(www.entermedia.co.kr), 무단전재 및 재배포금지", "엔터미디어"),
        ("ⓒ 전북매일 (www.jbmaeil.example) 무단전재 및 재배포금지", "전북매일"),
        ("Copyright © 2024 www.unknown-paper.kr All rights reserved", "unknown-paper.kr"),
    ],
)
def test_outlet_from_copyright_lines(line: str, outlet: str) -> None:
    from extractors.outlets import outlet_from_copyright

    assert outlet_from_copyright(line) == outlet


def test_outlet_from_email_skips_private_mail() -> None:
    from extractors.outlets import outlet_from_email

    assert outlet_from_email("홍길동 기자 hong@gmail.com / hong@kwangju.co.kr") == "광주일보"
    assert outlet_from_email("hong@naver.com") is None


def test_labelled_date_above_the_title_when_none_follows():
    from extractors.textclean import clean_text_capture

    page = ("입력 2021.03.02 09:15\n한빛시, 스마트도시계획 수립 착수\n"
            "한빛시는 스마트도시계획 수립 용역의 착수보고회를 2일 열었다고 밝혔다. 시는 연말까지 계획을 마련한다.\n")
    assert clean_text_capture(page).published == datetime(2021, 3, 2, 9, 15)
    clock = "2024-04-24 22:45 (수)\n" + page.split("\n", 1)[1]
    assert clean_text_capture(clock).published is None  # the site's clock, not the article's date


def test_the_outlets_caption_stamp_dates_a_page_without_date_lines():
    from extractors.textclean import clean_text_capture

    body = ("한빛시, 스마트도시위원회 출범\n\n"
            "5일 시청에서 위원회 첫 회의가 진행되고 있다. (제공: 한빛시) ⓒ한빛일보(한빛뉴스) 2019.3.5\n\n"
            "한빛시가 스마트도시위원회를 꾸려 5일 첫 회의를 열었다. 위원회는 전문가 20명으로 짜였다.\n")
    assert clean_text_capture(body).published == datetime(2019, 3, 5)
    dated = body.replace("\n\n", "\n입력 2019.03.06 10:00\n\n", 1)
    assert clean_text_capture(dated).published == datetime(2019, 3, 6, 10, 0)  # a date line wins
